//! A request refused from its head alone (a 406 for its `Accept`, a 429, a 403 for its
//! `Origin`, ...) still has its body read before the refusal is sent.
//!
//! hyper reads what is left of a body the service did not read only if it is already
//! buffered; otherwise it closes the connection after the response. Closing a socket
//! with unread data makes the kernel reset the connection, and a client still sending
//! its body (a chunked upload, a body larger than one segment) sees the reset instead
//! of the answer. So the body is read and thrown away first, within the body cap and
//! [`DEADLINE`]: a client cannot make the server read more, or wait longer, for a
//! request it refuses than for one it serves. Past either, the refusal goes out at
//! once with `Connection: close`.

use std::time::Duration;

use axum::{
    body::{Body, HttpBody},
    response::Response,
};
use futures::future::{BoxFuture, Either};
use http::{HeaderValue, header};
use http_body_util::BodyExt;

/// How long a refused request's body may take to arrive.
pub(super) const DEADLINE: Duration = Duration::from_secs(5);

/// `refused`, sent once `body` is read through (see the module docs). No body, or one
/// declared over the cap, costs nothing: the answer is ready at once.
pub(super) fn after_body(
    refused: Response,
    body: Body,
    expects_continue: bool,
    limit: usize,
) -> Either<std::future::Ready<Response>, BoxFuture<'static, Response>> {
    // A client that asked `Expect: 100-continue` sends no body until told to: it
    // reads the refusal instead.
    if expects_continue || body.is_end_stream() {
        return Either::Left(std::future::ready(refused));
    }
    if body.size_hint().lower() > limit as u64 {
        return Either::Left(std::future::ready(closing(refused)));
    }
    Either::Right(Box::pin(async move {
        if read_through(body, limit).await {
            refused
        } else {
            closing(refused)
        }
    }))
}

/// `response` with `Connection: close`: the body is left unread.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Reads `body` to its end and drops it; `false` when it is longer than `limit` bytes,
/// fails, or takes longer than [`DEADLINE`].
async fn read_through(mut body: Body, limit: usize) -> bool {
    let read = async {
        let mut bytes = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return false;
            };
            bytes += frame.data_ref().map_or(0, bytes::Bytes::len);
            if bytes > limit {
                return false;
            }
        }
        true
    };
    tokio::time::timeout(DEADLINE, read).await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http::StatusCode;
    use tokio::sync::mpsc;

    /// A body fed through a channel, and its sender.
    fn streamed() -> (mpsc::Sender<Bytes>, Body) {
        let (sender, mut receiver) = mpsc::channel::<Bytes>(4);
        let chunks = futures::stream::poll_fn(move |cx| {
            receiver
                .poll_recv(cx)
                .map(|bytes| bytes.map(Ok::<_, std::io::Error>))
        });
        (sender, Body::from_stream(chunks))
    }

    fn refused() -> Response {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_ACCEPTABLE;
        response
    }

    #[tokio::test]
    async fn the_refusal_waits_for_the_body() {
        let (sender, body) = streamed();
        let mut answer = std::pin::pin!(after_body(refused(), body, false, 100));
        sender.send(Bytes::from_static(b"abc")).await.expect("sent");
        assert!(
            futures::poll!(answer.as_mut()).is_pending(),
            "answered before the body ended"
        );
        drop(sender);
        let response = answer.await;
        assert_eq!(response.status(), StatusCode::NOT_ACCEPTABLE);
        assert!(response.headers().get(header::CONNECTION).is_none());
    }

    #[tokio::test]
    async fn no_body_or_an_expected_continue_is_answered_at_once() {
        let empty = after_body(refused(), Body::empty(), false, 100);
        assert!(matches!(empty, Either::Left(_)));
        let (_sender, body) = streamed();
        assert!(matches!(
            after_body(refused(), body, true, 100),
            Either::Left(_)
        ));
        let declared = Body::new(http_body_util::Full::new(Bytes::from_static(b"12345")));
        let Either::Left(ready) = after_body(refused(), declared, false, 4) else {
            panic!("waited for a body declared over the cap");
        };
        assert_eq!(ready.into_inner().headers()[header::CONNECTION], "close");
    }

    #[tokio::test]
    async fn a_body_over_the_cap_is_not_read_on() {
        let (sender, body) = streamed();
        let answer = tokio::spawn(after_body(refused(), body, false, 4));
        sender.send(Bytes::from_static(b"abc")).await.expect("sent");
        sender.send(Bytes::from_static(b"def")).await.expect("sent");
        // The sender is still open: the answer does not wait for the end.
        let response = answer.await.expect("answered");
        assert_eq!(response.headers()[header::CONNECTION], "close");
        drop(sender);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_body_is_given_up_at_the_deadline() {
        let (_sender, body) = streamed();
        let response = after_body(refused(), body, false, 100).await;
        assert_eq!(response.headers()[header::CONNECTION], "close");
    }
}
