//! The rate syntax shared by specs and `#[mcp_tool(rate_limit = "...")]`.

use crate::diag::{Code, Diagnostic};
use crate::model::{Period, RateLimit};
use crate::source::Span;

/// The diagnostic for a rate that does not parse, as both front ends report it.
pub fn invalid(text: &str, error: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::RateLimit,
        span,
        format!("invalid rate limit `{text}`: {error}"),
    )
    .with_help("write COUNT/PERIOD with PERIOD one of s, min, h, day, optionally followed by `burst N`: `30/min`, `5/s burst 10`")
}

/// Parses `COUNT/PERIOD` with an optional `burst N`: `30/min`, `5/s`, `1000/day`,
/// `30/min burst 10`. Periods: `s`, `sec`, `second`, `min`, `minute`, `h`, `hour`, `day`
/// (and their plurals). The error says what part is wrong.
pub fn parse(text: &str) -> Result<RateLimit, String> {
    let text = text.trim();
    let (rate, burst) = match text.split_once("burst") {
        Some((rate, burst)) => (rate.trim(), Some(burst.trim())),
        None => (text, None),
    };
    let Some((count, period)) = rate.split_once('/') else {
        return Err("there is no `/` between the count and the period".to_owned());
    };
    let count: u32 = count
        .trim()
        .parse()
        .map_err(|_| format!("`{}` is not a whole number of calls", count.trim()))?;
    if count == 0 {
        return Err(
            "a rate of zero admits no call; remove the tool or disable it instead".to_owned(),
        );
    }
    let period = match period.trim() {
        "s" | "sec" | "secs" | "second" | "seconds" => Period::Second,
        "min" | "mins" | "minute" | "minutes" => Period::Minute,
        "h" | "hr" | "hour" | "hours" => Period::Hour,
        "d" | "day" | "days" => Period::Day,
        "m" => return Err("`m` could mean minute or month; write `min`".to_owned()),
        other => return Err(format!("`{other}` is not a period; use s, min, h or day")),
    };
    let burst = match burst {
        None => None,
        Some(b) => {
            let n: u32 = b
                .parse()
                .map_err(|_| format!("burst `{b}` is not a whole number"))?;
            if n == 0 {
                return Err("a burst of zero admits no call".to_owned());
            }
            Some(n)
        }
    };
    Ok(RateLimit {
        count,
        period,
        burst,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(parse("30/min").unwrap().to_string(), "30/min");
        assert_eq!(parse("5/s").unwrap().period, Period::Second);
        assert_eq!(parse("1000/day").unwrap().period.as_millis(), 86_400_000);
        assert_eq!(
            parse("30 / minute burst 10").unwrap().to_string(),
            "30/min burst 10"
        );
    }

    #[test]
    fn rejects_what_is_unclear() {
        for bad in [
            "30",
            "0/s",
            "x/min",
            "30/m",
            "30/fortnight",
            "5/s burst 0",
            "5/s burst many",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
