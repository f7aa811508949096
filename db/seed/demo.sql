/*
 * Demo data for `npm run dev`: four experiences in three time zones with 30 days of start times.
 * The harbour cruise and the private charter share one boat (an exclusive resource): a seat held
 * on the 10:00 cruise commits the boat 10:00–12:00, so the 09:00 charter shows no availability.
 * Loaded once, into an empty database, by db/seed.ts.
 */
insert into data.resources (slug, name, units) values ('boat-aurora', 'The boat "Aurora"', 1);

insert into data.experiences
  (slug, name, description, timezone, duration, default_capacity, price_minor, currency,
   hold_duration, max_people_per_booking, booking_cutoff, resource_id)
values
  ('harbour-cruise', 'Harbour Cruise',
   'Two hours around the Tagus estuary on the sailing boat Aurora. Bring a jacket.',
   'Europe/Lisbon', '2 hours', 12, 3500, 'EUR', '15 minutes', 8, '30 minutes',
   (select id from data.resources where slug = 'boat-aurora')),
  ('private-charter', 'Private Charter',
   'The whole boat Aurora with her skipper for four hours, for up to ten guests.',
   'Europe/Lisbon', '4 hours', 1, 60000, 'EUR', '15 minutes', 1, '1 day',
   (select id from data.resources where slug = 'boat-aurora')),
  ('pottery-wheel', 'Pottery Wheel Class',
   'Ninety minutes at the wheel in a Brooklyn studio; clay, glazing and firing included.',
   'America/New_York', '90 minutes', 8, 6500, 'USD', '15 minutes', 4, '2 hours', null),
  ('kayak-rental', 'Kayak Rental',
   'One hour on False Creek in a sea kayak. Life jackets provided.',
   'America/Vancouver', '1 hour', 10, 4000, 'USD', '15 minutes', 6, '0', null);

-- What to bring (shown in the confirmation email); the kayaks are paid at the dock even when
-- Stripe is configured, to show a per-experience payment mode.
update data.experiences set what_to_bring = case slug
    when 'harbour-cruise' then 'A warm jacket and sunglasses; boarding closes 10 minutes before departure.'
    when 'private-charter' then 'Your own food and drinks are welcome; soft-soled shoes on deck.'
    when 'pottery-wheel' then 'Clothes that can get muddy; short fingernails help.'
    when 'kayak-rental' then 'A change of clothes and a water bottle.'
  end;
update data.experiences set payment_mode = 'on_arrival' where slug = 'kayak-rental';

select api.generate_slots('harbour-cruise', current_date, current_date + 30, array['10:00', '14:00', '18:00']::time[]);
select api.generate_slots('private-charter', current_date, current_date + 30, array['09:00', '15:00']::time[]);
select api.generate_slots('pottery-wheel', current_date, current_date + 30, array['11:00', '18:30']::time[], array[2, 3, 4, 5, 6, 7]);
select api.generate_slots('kayak-rental', current_date, current_date + 30,
  array['09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00']::time[]);
