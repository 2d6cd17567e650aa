//! Email: the messages ([`templates`]), queuing them in the transaction of the event
//! ([`outbox`], which admins read too), the providers that deliver them ([`provider`],
//! [`smtp`], [`http`]) and the worker that takes due rows from the outbox and delivers them
//! with retries and backoff ([`worker`], started by [`crate::setup::workers::spawn`]).

pub mod http;
pub mod outbox;
pub mod provider;
pub mod smtp;
pub mod templates;
pub mod worker;

pub use provider::{DeliveryError, Outgoing, Provider};
pub use templates::{Locale, Message};
pub use worker::{DeliveryConfig, Worker};

use crate::config::Settings;
use std::sync::Arc;
use tokio::sync::Notify;

/// What queuing an email obeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Emails one account can make the server send per hour (more are suppressed).
    pub hourly_cap: u32,
    /// The language emails are written in.
    pub locale: Locale,
}

impl Policy {
    /// The policy the settings give (an unknown locale is refused when the workers start).
    pub fn from_settings(s: &Settings) -> Self {
        Self {
            hourly_cap: s.email_hourly_cap,
            locale: s.email_locale.parse().unwrap_or_default(),
        }
    }
}

/// The outbox as handlers see it: the queuing policy, and a bell that wakes this
/// instance's delivery worker after a request queued an email.
#[derive(Debug)]
pub struct Mail {
    /// The queuing policy.
    pub policy: Policy,
    wake: Arc<Notify>,
}

impl Mail {
    /// From settings.
    pub fn new(settings: &Settings) -> Self {
        Self {
            policy: Policy::from_settings(settings),
            wake: Arc::new(Notify::new()),
        }
    }

    /// Wakes the delivery worker (call after committing a queued email).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The bell, for the worker to wait on.
    pub fn bell(&self) -> Arc<Notify> {
        self.wake.clone()
    }
}
