//! Appointments: the practice enters them (date and time in the practice's local time,
//! length, in person or telehealth, a location or link note); the client's home lists the
//! upcoming ones; a PHI-free reminder goes out about a day before if the client's
//! preferences allow email.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use time::{Duration, OffsetDateTime};

use super::audit::{self, AuditTarget, Event, Outcome};
use super::{ServiceError, Services};
use crate::clock::Zone;
use crate::ids::AppointmentId;
use crate::policy::{AccountId, Action, Actor, Target};
use crate::store::accounts;
use crate::store::appointments::{Appointment, Setting};
use crate::store::outbox::Mail;

/// How long before an appointment its reminder goes out.
pub const REMIND_BEFORE: Duration = Duration::hours(24);

/// The form as typed.
pub struct NewAppointment<'a> {
    pub date: &'a str,
    pub time: &'a str,
    pub minutes: &'a str,
    pub setting: &'a str,
    pub note: &'a str,
}

/// The moment a date and time typed in the practice's zone name.
fn starts_at(date: &str, time: &str, zone: Zone) -> Result<OffsetDateTime, ServiceError> {
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| ServiceError::invalid("date", "Please enter the date as YYYY-MM-DD."))?;
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").map_err(|_| {
        ServiceError::invalid("time", "Please enter the time as HH:MM, for example 14:30.")
    })?;
    let seconds = zone
        .timestamp_of(NaiveDateTime::new(date, time))
        .ok_or_else(|| {
            ServiceError::invalid(
                "time",
                "That time does not exist on that day (a clock change); please choose another.",
            )
        })?;
    OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|_| ServiceError::invalid("date", "Please enter a date in the future."))
}

impl Services {
    pub fn add_appointment(
        &self,
        actor: &Actor,
        client: AccountId,
        form: NewAppointment<'_>,
    ) -> Result<AppointmentId, ServiceError> {
        self.authorize(actor, Action::ManageAppointments, Target::Client(client))?;
        let at = starts_at(form.date, form.time, self.zone())?;
        if at <= self.now() {
            return Err(ServiceError::invalid(
                "date",
                "Please choose a time in the future.",
            ));
        }
        let minutes: u32 = form
            .minutes
            .trim()
            .parse()
            .ok()
            .filter(|m| (5..=480).contains(m))
            .ok_or_else(|| {
                ServiceError::invalid(
                    "minutes",
                    "Please enter a length between 5 and 480 minutes.",
                )
            })?;
        let setting = match form.setting {
            "in_person" => Setting::InPerson,
            "telehealth" => Setting::Telehealth,
            _ => {
                return Err(ServiceError::invalid(
                    "setting",
                    "Please choose in person or telehealth.",
                ))
            }
        };
        if form.note.chars().count() > 500 {
            return Err(ServiceError::invalid(
                "note",
                "Please keep the note under 500 characters.",
            ));
        }
        let appointment = Appointment {
            id: AppointmentId::generate(),
            client,
            starts_at: at,
            minutes,
            setting,
            note: form.note.trim().to_owned(),
            reminded: false,
        };
        let now = self.now();
        self.store.write(|tx| {
            // Only a client of the practice, and not one switched off.
            let is_client = accounts::get_for_update(tx, client)?.is_some_and(|a| {
                a.role == crate::policy::Role::Client
                    && a.status != accounts::AccountStatus::Disabled
            });
            if !is_client {
                return Err(ServiceError::NotFound);
            }
            crate::store::appointments::add(tx, &appointment)?;
            audit::record(
                tx,
                now,
                actor,
                Event::AppointmentAdd,
                AuditTarget::new()
                    .client(client)
                    .appointment(appointment.id),
                Outcome::Ok,
            )?;
            Ok(appointment.id)
        })
    }

    /// A client's upcoming appointments, soonest first: for the practice, or the client.
    pub fn upcoming_appointments(
        &self,
        actor: &Actor,
        client: AccountId,
    ) -> Result<Vec<Appointment>, ServiceError> {
        let own = actor.account_id() == Some(client);
        let action = if own {
            Action::ViewOwnHome
        } else {
            Action::ManageAppointments
        };
        self.authorize(actor, action, Target::Client(client))?;
        self.audit_read(actor, action, Target::Client(client))?;
        let now = self.now();
        let all = self.store.read(|tx| {
            crate::store::appointments::upcoming(tx, client, now, super::client_chart::SECTION_ROWS)
        })?;
        Ok(all)
    }

    /// The reminder job: a PHI-free email for each appointment within a day, once.
    pub fn send_reminders(&self, actor: &Actor) -> Result<usize, ServiceError> {
        let now = self.now();
        let sent = self.store.write(|tx| {
            let mut n = 0;
            for (key, mut a) in tx.all::<Appointment>()? {
                if a.reminded || a.starts_at <= now || a.starts_at - now > REMIND_BEFORE {
                    continue;
                }
                a.reminded = true;
                tx.put(&key, &a)?;
                let recipients = accounts::get_for_update(tx, a.client)?
                    .into_iter()
                    .collect();
                self.queue_alerts(tx, actor, recipients, Mail::AppointmentReminder, now)?;
                n += 1;
            }
            Ok::<_, ServiceError>(n)
        })?;
        self.wake_mail();
        Ok(sent)
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests start their manual clocks at the real time
mod tests {

    use super::*;
    use crate::clock::Clock as _;
    use crate::domain::testing::{services_at, services_in_zone};

    use crate::domain::notify::MailSwitch;

    use crate::policy::Role;
    use crate::store::accounts::{Account, AccountStatus};
    use crate::store::outbox::Notification;

    /// The owner and an active client, written to the store.
    fn owner_and_client(services: &Services) -> (Actor, AccountId) {
        let mut client = Account::invited(Role::Client, "Kai", "k@example.org", services.now());
        client.status = AccountStatus::Active;
        let owner = Account::invited(Role::Owner, "Dana", "d@example.org", services.now());
        services
            .store
            .write(|tx| {
                accounts::put(tx, &owner)?;
                accounts::put(tx, &client)
            })
            .unwrap();
        (Actor::account(owner.id, Role::Owner, None), client.id)
    }

    fn at<'a>(date: &'a str, time: &'a str) -> NewAppointment<'a> {
        NewAppointment {
            date,
            time,
            minutes: "50",
            setting: "telehealth",
            note: "",
        }
    }

    #[test]
    fn an_appointment_is_entered_and_shown_in_the_clocks_zone() {
        use time::macros::{datetime, offset};
        let zone = Zone::Fixed(offset!(-5));
        let (_dir, services, _clock) = services_in_zone(datetime!(2026-11-20 12:00 UTC), zone);
        let (owner, client) = owner_and_client(&services);
        services
            .add_appointment(&owner, client, at("2026-11-24", "14:30"))
            .unwrap();
        let shown = services.upcoming_appointments(&owner, client).unwrap();
        assert_eq!(shown[0].starts_at, datetime!(2026-11-24 19:30 UTC));
        assert_eq!(
            services.zone().human(shown[0].starts_at),
            "2026-11-24 14:30"
        );
    }

    #[test]
    fn in_a_named_zone_a_time_skipped_by_the_clock_change_is_refused_and_a_repeated_one_is_the_first(
    ) {
        use time::macros::datetime;
        let berlin = Zone::named("Europe/Berlin").unwrap();
        let (_dir, services, _clock) = services_in_zone(datetime!(2026-03-01 12:00 UTC), berlin);
        let (owner, client) = owner_and_client(&services);
        // 29 March 2026: Berlin's clocks go from 02:00 to 03:00.
        let err = services
            .add_appointment(&owner, client, at("2026-03-29", "02:30"))
            .unwrap_err();
        assert!(
            matches!(err, ServiceError::Invalid { field: "time", .. }),
            "{err}"
        );
        // 25 October 2026: 02:30 comes twice; the first (summer time, UTC+2) is meant.
        services
            .add_appointment(&owner, client, at("2026-10-25", "02:30"))
            .unwrap();
        let shown = services.upcoming_appointments(&owner, client).unwrap();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].starts_at, datetime!(2026-10-25 00:30 UTC));
        assert_eq!(
            services.zone().human(shown[0].starts_at),
            "2026-10-25 02:30"
        );
    }

    #[test]
    fn one_reminder_a_day_before_and_only_if_the_client_wants_email() {
        let (_dir, services, clock) = services_at(OffsetDateTime::now_utc());
        let services = services.with_mail(MailSwitch {
            enabled: true,
            ..Default::default()
        });
        let owner = Account::invited(Role::Owner, "Dana", "d@example.org", clock.now());
        let mut keen = Account::invited(Role::Client, "Kai", "k@example.org", clock.now());
        keen.status = AccountStatus::Active;
        keen.email_confirmed_at = Some(clock.now());
        let mut declined = keen.clone();
        declined.id = AccountId::generate();
        declined.email_alerts = false;
        services
            .store
            .write(|tx| {
                for a in [&owner, &keen, &declined] {
                    accounts::put(tx, a)?;
                }
                Ok::<_, crate::store::StoreError>(())
            })
            .unwrap();
        let owner = Actor::account(owner.id, Role::Owner, None);
        let soon = services
            .zone()
            .wall_time(clock.now() + Duration::hours(30))
            .unwrap();
        for client in [keen.id, declined.id] {
            let date = soon.format("%Y-%m-%d").to_string();
            let time = soon.format("%H:%M").to_string();
            let form = NewAppointment {
                date: &date,
                time: &time,
                minutes: "50",
                setting: "in_person",
                note: "",
            };
            services.add_appointment(&owner, client, form).unwrap();
        }
        let job = Actor::System("reminders");
        assert_eq!(
            services.send_reminders(&job).unwrap(),
            0,
            "30 hours ahead: not yet"
        );
        clock.advance(Duration::hours(7));
        assert_eq!(services.send_reminders(&job).unwrap(), 2);
        assert_eq!(services.send_reminders(&job).unwrap(), 0, "once each");
        let queued = services.store.read(|tx| tx.all::<Notification>()).unwrap();
        assert_eq!(queued.len(), 1, "only the client who wants email gets one");
        assert_eq!(queued[0].1.account, keen.id);
        assert!(queued[0].1.mail == Mail::AppointmentReminder);
    }
}
