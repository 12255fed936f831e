//! One run of a handler: its panic caught, its timeout and cancellation applied.

use std::time::{Duration, Instant};

use futures::FutureExt as _;

/// How a handler run by [`run_handler`] ended.
pub(crate) enum Ended<T> {
    Finished(T),
    /// It panicked; the panic's message.
    Panicked(String),
    TimedOut,
    /// The client cancelled the request.
    Cancelled,
}

/// Runs a handler in rmcp's task for the request rather than a task of its own: a
/// panic is caught here, and returning early (timeout, cancellation) drops the handler.
pub(crate) fn run_handler<F: Future, C: Future<Output = ()>>(
    future: F,
    timeout: Option<Duration>,
    cancelled: C,
) -> HandlerRun<F, C> {
    HandlerRun {
        handler: std::panic::AssertUnwindSafe(future).catch_unwind(),
        deadline: timeout.map(tokio::time::sleep),
        cancelled,
    }
}

pin_project_lite::pin_project! {
    /// A handler's run ([`run_handler`]). A future of its own rather than
    /// `tokio::select!` in an `async fn`: that keeps each of the three futures twice
    /// (as the function's argument and in the tuple `select!` polls), and this is part
    /// of every tool call's future.
    pub(crate) struct HandlerRun<F, C> {
        #[pin]
        handler: futures::future::CatchUnwind<std::panic::AssertUnwindSafe<F>>,
        #[pin]
        deadline: Option<tokio::time::Sleep>,
        #[pin]
        cancelled: C,
    }
}

impl<F: Future, C: Future<Output = ()>> Future for HandlerRun<F, C> {
    type Output = Ended<F::Output>;

    /// The handler first: a result that is ready wins over a timeout or a cancellation
    /// that came at the same time.
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        use std::task::Poll;
        let this = self.project();
        if let Poll::Ready(joined) = this.handler.poll(cx) {
            return Poll::Ready(match joined {
                Ok(value) => Ended::Finished(value),
                Err(payload) => Ended::Panicked(
                    payload
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "non-string panic payload".to_owned()),
                ),
            });
        }
        if let Some(deadline) = this.deadline.as_pin_mut()
            && deadline.poll(cx).is_ready()
        {
            return Poll::Ready(Ended::TimedOut);
        }
        if this.cancelled.poll(cx).is_ready() {
            return Poll::Ready(Ended::Cancelled);
        }
        Poll::Pending
    }
}

pub(crate) fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
