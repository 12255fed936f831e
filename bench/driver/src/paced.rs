//! Latency at a fixed request rate (open loop), beside wrk's closed loop.
//!
//! wrk keeps 8 requests in flight and sends the next as soon as an answer comes: a
//! server that answers faster is sent more, so on a machine whose cores the load
//! generator shares, its p99 also measures how hard it was driven. Here every server is
//! sent the same requests at the same moments: `connections` keep-alive connections,
//! each on its own thread, each sending its share of `rate` requests a second on a fixed
//! schedule. A request's latency runs from when it was sent; when the answer to the one
//! before it came after it was due, from when it was due, so a stall counts against
//! every request it held back (no coordinated omission), and a late wake-up of the
//! sending thread does not count against the server.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

/// p50 and p99 of a paced run, in milliseconds.
pub(crate) struct Paced {
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
}

/// Sends `rate` requests a second for `seconds` over `connections` connections to
/// `port`; `request` is the whole HTTP request (keep-alive).
pub(crate) fn run(
    port: u16,
    request: &[u8],
    rate: u32,
    connections: u32,
    seconds: f64,
) -> Result<Paced> {
    if rate == 0 || connections == 0 {
        bail!("a paced run needs a rate and connections above 0");
    }
    // Each connection sends every `interval`; connection `c` starts `c / rate` later.
    let interval = Duration::from_secs_f64(f64::from(connections) / f64::from(rate));
    let per_connection = (seconds * f64::from(rate) / f64::from(connections)).ceil() as usize;
    if per_connection == 0 {
        bail!("a paced run of {seconds} s sends no request; give --paced-duration above 0");
    }
    let start = Instant::now() + Duration::from_millis(50);
    let mut latencies: Vec<f64> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..connections)
            .map(|c| {
                let offset = Duration::from_secs_f64(f64::from(c) / f64::from(rate));
                scope.spawn(move || {
                    connection(port, request, start + offset, interval, per_connection)
                })
            })
            .collect();
        let mut all = Vec::with_capacity(per_connection * connections as usize);
        for thread in threads {
            let latencies = thread
                .join()
                .map_err(|_| anyhow!("a paced connection's thread panicked"))??;
            all.extend(latencies);
        }
        Ok::<_, anyhow::Error>(all)
    })?;
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    Ok(Paced {
        p50_ms: at(0.50),
        p99_ms: at(0.99),
    })
}

/// One connection's requests, sent on schedule; their latencies in milliseconds.
fn connection(
    port: u16,
    request: &[u8],
    first: Instant,
    interval: Duration,
    count: usize,
) -> Result<Vec<f64>> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut latencies = Vec::with_capacity(count);
    let mut answered = first;
    for i in 0..count {
        let due = first + interval * u32::try_from(i)?;
        let now = Instant::now();
        if now < due {
            std::thread::sleep(due - now);
        }
        let sent = if answered > due { due } else { Instant::now() };
        stream.write_all(request)?;
        read_response(&mut stream, &mut buffer)
            .with_context(|| format!("request {i} of a paced connection"))?;
        answered = Instant::now();
        latencies.push(answered.duration_since(sent).as_secs_f64() * 1000.0);
    }
    Ok(latencies)
}

/// Reads one HTTP response with a `Content-Length` body; fails on any other status than
/// 200 (a paced run, like wrk's, must not measure refusals).
fn read_response(stream: &mut TcpStream, buffer: &mut [u8]) -> Result<()> {
    let mut filled = 0;
    loop {
        if filled == buffer.len() {
            bail!("a response head larger than {} bytes", buffer.len());
        }
        let n = stream.read(&mut buffer[filled..])?;
        if n == 0 {
            bail!("the server closed the connection");
        }
        filled += n;
        let Some(end) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = std::str::from_utf8(&buffer[..end])?;
        let status = head.split_whitespace().nth(1).unwrap_or("?");
        if status != "200" {
            bail!("HTTP {status} instead of 200: {head}");
        }
        let length: usize = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .ok_or_else(|| anyhow!("a response without Content-Length: {head}"))?;
        let mut rest = (end + 4 + length).saturating_sub(filled);
        while rest > 0 {
            let n = stream.read(&mut buffer[..rest.min(64 * 1024)])?;
            if n == 0 {
                bail!("the server closed the connection within a response body");
            }
            rest -= n;
        }
        return Ok(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::net::TcpListener;

    /// A keep-alive server that answers each request line with `answers[i]`, written in
    /// two pieces so that a response arrives in more than one read; requests end in an
    /// empty line.
    fn serve(answers: Vec<&'static str>) -> (u16, std::thread::JoinHandle<usize>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().expect("accept");
            let mut reader = std::io::BufReader::new(stream.try_clone().expect("clone"));
            let mut writer = stream;
            let mut served = 0;
            for answer in answers {
                let mut line = String::new();
                while reader.read_line(&mut line).expect("read") > 0 && line != "\r\n" {
                    line.clear();
                }
                let (head, body) = answer.split_at(answer.len() / 2);
                writer.write_all(head.as_bytes()).expect("write");
                writer.flush().expect("flush");
                std::thread::sleep(Duration::from_millis(5));
                writer.write_all(body.as_bytes()).expect("write");
                served += 1;
            }
            served
        });
        (port, server)
    }

    const OK: &str = "HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n{\"ok\":true}";

    #[test]
    fn a_paced_run_sends_its_requests_and_measures_each() {
        let (port, server) = serve(vec![OK; 4]);
        let paced = run(port, b"POST / HTTP/1.1\r\n\r\n", 100, 1, 0.04).expect("paced run");
        assert_eq!(server.join().expect("server"), 4);
        // Each answer waited 5 ms for its second half.
        assert!(paced.p50_ms >= 5.0, "p50 {} ms", paced.p50_ms);
        assert!(paced.p99_ms >= paced.p50_ms);
    }

    #[test]
    fn a_refusal_fails_the_run() {
        let (port, _server) = serve(vec![
            OK,
            "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 2\r\n\r\n{}",
        ]);
        let error = run(port, b"POST / HTTP/1.1\r\n\r\n", 100, 1, 0.02)
            .err()
            .expect("a 429 must fail the run");
        assert!(format!("{error:#}").contains("HTTP 429"), "{error:#}");
    }
}
