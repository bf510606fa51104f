//! Two-step parsing of stream events: read the `type` first (borrowed, nothing built), then
//! deserialise the payload straight into that variant's struct. serde's internally tagged
//! enums instead buffer the whole payload into an intermediate tree before picking the
//! variant, which made event parsing the largest single cost of a relayed request
//! (docs/BENCHMARKS.md). The result is the same as the derived `Deserialize`: the tag entry is
//! hidden from the variant (so it never lands in a flattened `extra`), and a payload that is
//! not an object with exactly one string `type` is left to the untagged fallback. When the
//! SSE `event:` line names the type (Codex always does), even the first step is skipped: the
//! payload is parsed as that variant and its own `type`, recorded on the way, must agree.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

/// The payload's `type`: `Ok(None)` when absent, an error when it is not one string (or the
/// payload is not an object, or not JSON).
pub(super) fn peek_type(data: &str) -> Result<Option<Cow<'_, str>>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(data);
    let tag = de.deserialize_map(TagPeek)?;
    de.end()?;
    Ok(tag)
}

/// Deserialises `data` as `T`, hiding the object's `type` entry from it; also returns that
/// entry (`None` when absent). A `type` that is not one string is an error.
pub(super) fn parse_untagged<'de, T: Deserialize<'de>>(
    data: &'de str,
) -> Result<(T, Option<Cow<'de, str>>), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(data);
    let mut tag = None;
    let value = T::deserialize(WithoutTag {
        inner: &mut de,
        tag: &mut tag,
    })?;
    de.end()?;
    Ok((value, tag))
}

/// An object key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(StrVisitor).map(Key)
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// Finds the one `type` entry, skipping every other value without building it.
struct TagPeek;

impl<'de> Visitor<'de> for TagPeek {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut tag = None;
        while let Some(Key(key)) = map.next_key()? {
            if key != "type" {
                map.next_value::<IgnoredAny>()?;
            } else if tag.is_some() {
                return Err(de::Error::duplicate_field("type"));
            } else {
                tag = Some(map.next_value::<Key<'de>>()?.0);
            }
        }
        Ok(tag)
    }
}

/// A deserializer that hands the inner one's object to the visitor without `type`, and
/// records the `type` it skipped.
struct WithoutTag<'t, 'de, D> {
    inner: D,
    tag: &'t mut Option<Cow<'de, str>>,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for WithoutTag<'_, 'de, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.inner.deserialize_any(SkipTag {
            visitor,
            tag: self.tag,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// Wraps the visitor: only an object is accepted (as by a tagged enum), minus its tag.
struct SkipTag<'t, 'de, V> {
    visitor: V,
    tag: &'t mut Option<Cow<'de, str>>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for SkipTag<'_, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.visitor.visit_map(SkipTagMap {
            inner: map,
            tag: self.tag,
        })
    }
}

struct SkipTagMap<'t, 'de, A> {
    inner: A,
    tag: &'t mut Option<Cow<'de, str>>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for SkipTagMap<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        loop {
            let Some(Key(key)) = self.inner.next_key()? else {
                return Ok(None);
            };
            if key == "type" {
                if self.tag.is_some() {
                    return Err(de::Error::duplicate_field("type"));
                }
                *self.tag = Some(self.inner.next_value::<Key<'de>>()?.0);
                continue;
            }
            return match key {
                Cow::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::new(k)),
                Cow::Owned(k) => seed.deserialize(StringDeserializer::new(k)),
            }
            .map(Some);
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, Self::Error> {
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}
