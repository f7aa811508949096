/**
 * The frame every Holdfast email shares: a light neutral page, one white card at most 600px wide
 * (what mail clients render reliably), the name at the top and a quiet footer. Styles are inline
 * objects because most mail clients ignore <style> blocks.
 */
import { Body, Container, Head, Heading, Hr, Html, Preview, Text } from '@react-email/components';
import type { ReactNode } from 'react';

export const palette = {
  page: '#f4f4f5',
  card: '#ffffff',
  text: '#27272a',
  muted: '#71717a',
  rule: '#e4e4e7',
  accent: '#1f4e79',
} as const;

const body = {
  backgroundColor: palette.page,
  color: palette.text,
  fontFamily: '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
  margin: 0,
  padding: '24px 0',
};
const card = {
  backgroundColor: palette.card,
  border: `1px solid ${palette.rule}`,
  borderRadius: '8px',
  maxWidth: '600px',
  padding: '32px',
};
const brand = { color: palette.accent, fontSize: '14px', fontWeight: 700, letterSpacing: '0.08em', margin: '0 0 16px' };
const heading = { fontSize: '22px', fontWeight: 600, lineHeight: '1.3', margin: '0 0 16px' };
const rule = { borderColor: palette.rule, margin: '24px 0 16px' };
const footer = { color: palette.muted, fontSize: '12px', lineHeight: '1.5', margin: 0 };

export function EmailLayout({ preview, heading: title, children }: { preview: string; heading: string; children: ReactNode }) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={body}>
        <Container style={card}>
          <Text style={brand}>HOLDFAST</Text>
          <Heading as="h1" style={heading}>
            {title}
          </Heading>
          {children}
          <Hr style={rule} />
          <Text style={footer}>Holdfast · tours, classes and rentals</Text>
        </Container>
      </Body>
    </Html>
  );
}

/* Shared paragraph and label styles, so the three templates read as one family. */
export const paragraph = { fontSize: '15px', lineHeight: '1.6', margin: '0 0 12px' };
export const sectionTitle = { fontSize: '16px', fontWeight: 600, margin: '24px 0 8px' };
export const button = {
  backgroundColor: palette.accent,
  borderRadius: '6px',
  color: '#ffffff',
  display: 'inline-block',
  fontSize: '15px',
  fontWeight: 600,
  padding: '12px 20px',
  textDecoration: 'none',
};
