//! The circuit breaker of one tool. Time is passed in, so the state machine is tested
//! without sleeping.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use super::config::CircuitBreaker;
use crate::observe::record::Outcome;

/// How a finished call counts for the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Count {
    Success,
    Failure,
    /// Neither (the caller's mistake, a refusal, a cancelled call).
    Neutral,
}

impl Count {
    /// Bugs, timeouts and retryable declared errors are failures; the caller's mistakes,
    /// cancellations and refusals count for nothing; anything else (a success, a
    /// declared error that is not retryable) shows the tool works.
    fn of(outcome: Outcome) -> Self {
        match outcome {
            Outcome::InternalError | Outcome::Timeout | Outcome::ToolError { retryable: true } => {
                Self::Failure
            }
            Outcome::Ok
            | Outcome::ToolError { retryable: false }
            | Outcome::InputRequired
            | Outcome::TaskCreated => Self::Success,
            _ => Self::Neutral,
        }
    }
}

#[derive(Debug)]
enum State {
    Closed { failures: VecDeque<Instant> },
    Open { until: Instant },
    HalfOpen { successes: u32, in_flight: u32 },
}

/// Why the breaker refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused {
    pub(crate) half_open: bool,
    pub(crate) retry_after: Duration,
}

#[derive(Debug)]
pub(crate) struct Breaker {
    config: CircuitBreaker,
    state: Arc<Mutex<State>>,
}

/// Admission by the breaker: report the call's outcome with [`Ticket::finish`]; a ticket
/// dropped unfinished counts as neutral (its trial slot is given back).
#[derive(Debug)]
pub(crate) struct Ticket {
    config: CircuitBreaker,
    state: Arc<Mutex<State>>,
    trial: bool,
    done: bool,
}

impl Breaker {
    pub(crate) fn new(config: CircuitBreaker) -> Self {
        Self {
            config,
            state: Arc::new(Mutex::new(State::Closed {
                failures: VecDeque::new(),
            })),
        }
    }

    pub(crate) fn config(&self) -> &CircuitBreaker {
        &self.config
    }

    /// Admit a call at `now`, or say when to retry.
    pub(crate) fn admit(&self, now: Instant) -> Result<Ticket, Refused> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let trial = match &mut *state {
            State::Closed { .. } => false,
            State::Open { until } => {
                if now < *until {
                    return Err(Refused {
                        half_open: false,
                        retry_after: *until - now,
                    });
                }
                *state = State::HalfOpen {
                    successes: 0,
                    in_flight: 1,
                };
                true
            }
            State::HalfOpen {
                successes,
                in_flight,
            } => {
                // As many trials at once as successes are still needed.
                if *successes + *in_flight >= self.config.successes.max(1) {
                    return Err(Refused {
                        half_open: true,
                        retry_after: self.config.cooldown.min(Duration::from_secs(1)),
                    });
                }
                *in_flight += 1;
                true
            }
        };
        Ok(Ticket {
            config: self.config,
            state: Arc::clone(&self.state),
            trial,
            done: false,
        })
    }

    /// The state's name, as the metrics show it.
    pub(crate) fn state_name(&self) -> &'static str {
        match &*self.state.lock().unwrap_or_else(PoisonError::into_inner) {
            State::Closed { .. } => "closed",
            State::Open { .. } => "open",
            State::HalfOpen { .. } => "half_open",
        }
    }
}

impl Ticket {
    /// Record the outcome of the admitted call at `now`.
    pub(crate) fn finish(mut self, outcome: Outcome, now: Instant) {
        self.done = true;
        record(
            &self.config,
            &self.state,
            self.trial,
            Count::of(outcome),
            now,
        );
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.done {
            record(
                &self.config,
                &self.state,
                self.trial,
                Count::Neutral,
                Instant::now(),
            );
        }
    }
}

fn record(
    config: &CircuitBreaker,
    state: &Mutex<State>,
    trial: bool,
    outcome: Count,
    now: Instant,
) {
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    match &mut *state {
        State::Closed { failures } => {
            if outcome != Count::Failure || trial {
                return;
            }
            while failures
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) > config.window)
            {
                failures.pop_front();
            }
            failures.push_back(now);
            if failures.len() >= config.failures.max(1) as usize {
                tracing::warn!(
                    failures = failures.len(),
                    window_ms = config.window.as_millis() as u64,
                    cooldown_ms = config.cooldown.as_millis() as u64,
                    "circuit breaker opened"
                );
                *state = State::Open {
                    until: now + config.cooldown,
                };
            }
        }
        // Calls admitted before the breaker opened do not change it.
        State::Open { .. } => {}
        State::HalfOpen {
            successes,
            in_flight,
        } => {
            if !trial {
                return;
            }
            *in_flight = in_flight.saturating_sub(1);
            match outcome {
                Count::Neutral => {}
                Count::Success => {
                    *successes += 1;
                    if *successes >= config.successes.max(1) {
                        tracing::info!("circuit breaker closed");
                        *state = State::Closed {
                            failures: VecDeque::new(),
                        };
                    }
                }
                Count::Failure => {
                    tracing::warn!("circuit breaker re-opened: a trial call failed");
                    *state = State::Open {
                        until: now + config.cooldown,
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> Breaker {
        Breaker::new(CircuitBreaker {
            enabled: true,
            failures: 3,
            window: Duration::from_secs(10),
            cooldown: Duration::from_secs(5),
            successes: 2,
        })
    }

    fn fail(b: &Breaker, at: Instant) {
        b.admit(at)
            .map(|t| t.finish(Outcome::InternalError, at))
            .ok();
    }

    #[test]
    fn outcomes_count_as_the_tool_working_failing_or_neither() {
        assert_eq!(Count::of(Outcome::Ok), Count::Success);
        assert_eq!(
            Count::of(Outcome::ToolError { retryable: false }),
            Count::Success
        );
        assert_eq!(
            Count::of(Outcome::ToolError { retryable: true }),
            Count::Failure
        );
        assert_eq!(Count::of(Outcome::InternalError), Count::Failure);
        assert_eq!(Count::of(Outcome::Timeout), Count::Failure);
        assert_eq!(Count::of(Outcome::InvalidArguments), Count::Neutral);
        assert_eq!(Count::of(Outcome::Cancelled), Count::Neutral);
        assert_eq!(Count::of(Outcome::RateLimited), Count::Neutral);
    }

    #[test]
    fn opens_after_n_failures_within_the_window() {
        let b = breaker();
        let t0 = Instant::now();
        fail(&b, t0);
        fail(&b, t0 + Duration::from_secs(1));
        assert_eq!(b.state_name(), "closed");
        fail(&b, t0 + Duration::from_secs(2));
        assert_eq!(b.state_name(), "open");
        let refused = b.admit(t0 + Duration::from_secs(3)).unwrap_err();
        assert_eq!(
            refused,
            Refused {
                half_open: false,
                retry_after: Duration::from_secs(4)
            }
        );
    }

    #[test]
    fn failures_outside_the_window_do_not_count() {
        let b = breaker();
        let t0 = Instant::now();
        fail(&b, t0);
        fail(&b, t0 + Duration::from_secs(1));
        fail(&b, t0 + Duration::from_secs(12));
        assert_eq!(b.state_name(), "closed");
        fail(&b, t0 + Duration::from_secs(13));
        assert_eq!(b.state_name(), "closed");
        fail(&b, t0 + Duration::from_secs(14));
        assert_eq!(b.state_name(), "open");
    }

    #[test]
    fn half_opens_after_the_cooldown_and_closes_after_m_successes() {
        let b = breaker();
        let t0 = Instant::now();
        for i in 0..3 {
            fail(&b, t0 + Duration::from_millis(i));
        }
        let after = t0 + Duration::from_secs(6);
        let first = b.admit(after).expect("a trial after the cooldown");
        assert_eq!(b.state_name(), "half_open");
        let second = b
            .admit(after)
            .expect("a second trial: two successes are needed");
        let third = b.admit(after).unwrap_err();
        assert!(third.half_open);
        first.finish(Outcome::Ok, after);
        assert_eq!(b.state_name(), "half_open");
        second.finish(Outcome::ToolError { retryable: false }, after);
        assert_eq!(b.state_name(), "closed");
    }

    #[test]
    fn a_failed_trial_reopens_and_a_dropped_one_frees_its_slot() {
        let b = breaker();
        let t0 = Instant::now();
        for i in 0..3 {
            fail(&b, t0 + Duration::from_millis(i));
        }
        let after = t0 + Duration::from_secs(6);
        let dropped = b.admit(after).expect("trial");
        let kept = b.admit(after).expect("trial");
        drop(dropped);
        let again = b
            .admit(after)
            .expect("the dropped trial's slot is free again");
        drop(again);
        kept.finish(Outcome::Timeout, after);
        assert_eq!(b.state_name(), "open");
        let refused = b.admit(after + Duration::from_secs(1)).unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_secs(4));
    }
}
