//! Raw serde types: what producers actually send, accepted leniently.
//!
//! Every field is optional; strings, numbers and lists are taken in whatever shape
//! they come (a count as `"12"`, `mx-host` as a string or a list, one failure detail
//! as an object instead of a list). Normalization into the model happens in
//! [`super::normalize`]. Unknown keys are ignored.
//!
//! Strings borrow from the input where JSON allows (no escape sequences): the model
//! copies each one it keeps once, so an intermediate copy would only be freed again.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

#[derive(Debug, Default, Deserialize)]
pub struct RawReport<'a> {
    #[serde(
        borrow,
        rename = "organization-name",
        alias = "organization_name",
        default
    )]
    pub organization_name: Option<LenientText<'a>>,
    #[serde(borrow, rename = "date-range", alias = "date_range", default)]
    pub date_range: Option<RawDateRange<'a>>,
    #[serde(borrow, rename = "contact-info", alias = "contact_info", default)]
    pub contact_info: Option<LenientText<'a>>,
    #[serde(borrow, rename = "report-id", alias = "report_id", default)]
    pub report_id: Option<LenientText<'a>>,
    #[serde(borrow, default)]
    pub policies: Option<OneOrMany<RawPolicyResult<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawDateRange<'a> {
    #[serde(borrow, rename = "start-datetime", alias = "start_datetime", default)]
    pub start_datetime: Option<LenientText<'a>>,
    #[serde(borrow, rename = "end-datetime", alias = "end_datetime", default)]
    pub end_datetime: Option<LenientText<'a>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawPolicyResult<'a> {
    #[serde(borrow, default)]
    pub policy: Option<RawPolicy<'a>>,
    #[serde(default)]
    pub summary: Option<RawSummary>,
    #[serde(borrow, rename = "failure-details", alias = "failure_details", default)]
    pub failure_details: Option<OneOrMany<RawFailureDetail<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawPolicy<'a> {
    #[serde(borrow, rename = "policy-type", alias = "policy_type", default)]
    pub policy_type: Option<LenientText<'a>>,
    #[serde(borrow, rename = "policy-string", alias = "policy_string", default)]
    pub policy_string: StringList<'a>,
    #[serde(borrow, rename = "policy-domain", alias = "policy_domain", default)]
    pub policy_domain: Option<LenientText<'a>>,
    #[serde(borrow, rename = "mx-host", alias = "mx_host", default)]
    pub mx_host: StringList<'a>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawSummary {
    #[serde(
        rename = "total-successful-session-count",
        alias = "total_successful_session_count",
        default
    )]
    pub total_successful_session_count: Option<LenientCount>,
    #[serde(
        rename = "total-failure-session-count",
        alias = "total_failure_session_count",
        default
    )]
    pub total_failure_session_count: Option<LenientCount>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawFailureDetail<'a> {
    #[serde(borrow, rename = "result-type", alias = "result_type", default)]
    pub result_type: Option<LenientText<'a>>,
    #[serde(borrow, rename = "sending-mta-ip", alias = "sending_mta_ip", default)]
    pub sending_mta_ip: Option<LenientText<'a>>,
    #[serde(
        borrow,
        rename = "receiving-mx-hostname",
        alias = "receiving_mx_hostname",
        default
    )]
    pub receiving_mx_hostname: Option<LenientText<'a>>,
    #[serde(
        borrow,
        rename = "receiving-mx-helo",
        alias = "receiving_mx_helo",
        default
    )]
    pub receiving_mx_helo: Option<LenientText<'a>>,
    #[serde(borrow, rename = "receiving-ip", alias = "receiving_ip", default)]
    pub receiving_ip: Option<LenientText<'a>>,
    #[serde(
        rename = "failed-session-count",
        alias = "failed_session_count",
        default
    )]
    pub failed_session_count: Option<LenientCount>,
    #[serde(
        borrow,
        rename = "additional-information",
        alias = "additional_information",
        default
    )]
    pub additional_information: Option<LenientText<'a>>,
    #[serde(
        borrow,
        rename = "failure-reason-code",
        alias = "failure_reason_code",
        default
    )]
    pub failure_reason_code: Option<LenientText<'a>>,
}

/// Text sent as a string, number or boolean (a list of them is joined with ", ").
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LenientText<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for LenientText<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor).map(LenientText)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(""))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Cow<'de, str>, A::Error> {
        Ok(Cow::Owned(collect_strings(seq)?.join(", ")))
    }
}

/// A session count sent as a non-negative integer, a whole float or a digit string.
/// A number that is no count (negative, fractional, past `u64`) is kept as the
/// reason, so that normalization can name the field it was found in; text, lists
/// and objects are errors of the document's type, with their place in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LenientCount(pub Result<u64, String>);

impl Default for LenientCount {
    fn default() -> LenientCount {
        LenientCount(Ok(0))
    }
}

impl<'de> Deserialize<'de> for LenientCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CountVisitor).map(LenientCount)
    }
}

struct CountVisitor;

impl<'de> Visitor<'de> for CountVisitor {
    type Value = Result<u64, String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a non-negative session count")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Ok(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(u64::try_from(v).map_err(|_| format!("{v} is negative")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // Integers past u64 also arrive here, as floats.
        let problem = if v < 0.0 {
            "is negative"
        } else if v >= u64::MAX as f64 {
            "is too large"
        } else if v.fract() != 0.0 {
            "is not a whole number"
        } else {
            return Ok(Ok(v as u64));
        };
        Ok(Err(format!("{v} {problem}")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(Ok(0));
        }
        let digits = t.strip_prefix('+').unwrap_or(t);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            // Text that is no number at all: a wrong type, reported with its place
            // in the document like every other one.
            return Err(E::custom(format!("session count {v:?} is not a number")));
        }
        Ok(digits
            .parse::<u64>()
            .map_err(|_| format!("{v:?} is too large")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(0))
    }
}

/// A list of strings sent as a list, a single string, or null.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StringList<'a>(pub Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for StringList<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = Vec<Cow<'de, str>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(vec![Cow::Borrowed(v)])
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(vec![Cow::Owned(v.to_string())])
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Vec::new())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                collect_strings(seq)
            }
        }
        d.deserialize_any(ListVisitor).map(StringList)
    }
}

fn collect_strings<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<Cow<'de, str>>, A::Error> {
    let mut out = Vec::new();
    while let Some(item) = seq.next_element::<Option<LenientText<'de>>>()? {
        if let Some(LenientText(s)) = item {
            out.push(s);
        }
    }
    Ok(out)
}

/// A list of objects, or a single object standing for a list of one.
#[derive(Debug)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ManyVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ManyVisitor<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object or a list of objects")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
                Ok(Vec::new())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(item) = seq.next_element::<Option<T>>()? {
                    out.extend(item);
                }
                Ok(out)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| vec![t])
            }
        }
        d.deserialize_any(ManyVisitor(PhantomData)).map(OneOrMany)
    }
}

/// Used to tell a syntax error from valid JSON of the wrong shape.
pub fn is_valid_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<IgnoredAny>(bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::LenientCount;

    fn count(json: &str) -> Result<u64, String> {
        serde_json::from_str::<LenientCount>(json)
            .map_err(|e| e.to_string())
            .and_then(|c| c.0)
    }

    #[test]
    fn counts_sent_as_integers_whole_floats_digit_strings_or_null_are_read() {
        for (json, expected) in [
            ("5", 5),
            ("5.0", 5),
            ("\"5\"", 5),
            ("\" 7 \"", 7),
            ("\"\"", 0),
            ("null", 0),
            ("18446744073709551615", u64::MAX),
        ] {
            assert_eq!(count(json), Ok(expected), "{json}");
        }
    }

    #[test]
    fn unusable_counts_say_why() {
        for (json, why) in [
            ("-5", "-5 is negative"),
            ("-5.0", "is negative"),
            ("5.5", "5.5 is not a whole number"),
            ("99999999999999999999999", "is too large"),
            ("\"99999999999999999999999\"", "is too large"),
            ("\"five\"", "\"five\" is not a number"),
            ("true", "invalid type: boolean `true`"),
            ("[1]", "invalid type: sequence"),
            ("{\"n\": 1}", "invalid type: map"),
        ] {
            let error = count(json).expect_err(json);
            assert!(error.contains(why), "{json}: {error}");
        }
    }
}
