//! Reading a document with serde, more strictly than serde's derive reads it.
//!
//! serde's derived `Deserialize` reads a struct from a mapping of named fields *or* from a
//! sequence of its fields in declaration order. Nobody writing a scenario or a REST body means
//! the second: `"options": ["5s", "1s"]` would quietly become a timeout of 5 s and a graceful
//! stop of 1 s, and `"json": ["/id", 3]` a JSON check, with nothing said. [`Strict`] wraps a
//! deserializer so that every struct (and struct variant) below it must be a mapping; a
//! sequence there is the usual `invalid type: sequence, expected struct …` error, with the
//! path and position the wrapped deserializer gives it.
//!
//! A map that is not a struct (a JSON value's object, `headers`) must have each key once:
//! serde_json, and serde's maps after it, keep the last of two and drop the first without a
//! word (a struct's repeated field is serde's own `duplicate field` error). A repeated key is
//! refused as it is read, at the reader's position; serde_path_to_error gives it its map's
//! path and an unnamed last segment (`headers.?`), as it does a YAML reader's duplicate. Keys
//! read as something other than text count too: a number or boolean (`BTreeMap<u16, _>`, where
//! `"200"` twice is one status code twice) by its value, an enum by its variant's name, a
//! newtype by what it wraps.
//!
//! [`Strict::yaml_tree`] adds YAML's scalars, for a generic tree (a `serde_json::Value`) built
//! from a YAML document: see there.
//!
//! Everything else passes through unchanged: lists, tuples, maps, enums and scalars read as
//! the wrapped deserializer reads them.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::fmt;
use std::rc::Rc;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};

/// A deserializer whose structs must be mappings; see the module documentation.
pub struct Strict<D> {
    de: D,
    rules: Rules,
    /// When this reads a map's key: the keys the map has had.
    keys: Option<Keys>,
}

/// The keys a map has had so far, shared by [`Map`] with the reader of each key: the key
/// itself is read into its map's own type, which [`Map`] cannot look into.
type Keys = Rc<Cell<BTreeSet<String>>>;

/// What is said of a key that a mapping has twice.
pub(crate) fn duplicate_key(key: &str) -> String {
    format!("duplicate key \"{key}\" (each key may appear once per mapping)")
}

impl<D> Strict<D> {
    /// Structs must be mappings.
    pub fn new(de: D) -> Self {
        Self::with(de, Rules::default())
    }

    /// Structs must be mappings, and scalars read as a YAML reader reads them into a typed
    /// field. A tree built from YAML typed each scalar when it was built (`3` a number, `"3"`
    /// and `abc` strings, `true` a boolean); reading straight into a field, the YAML reader
    /// takes a string field from any scalar and a number or boolean from a string that spells
    /// one. So here too a string is read from a number or a boolean (in Rust's spelling:
    /// `1.10` reads as `1.1`), and a number or boolean from a string that spells one.
    pub fn yaml_tree(de: D) -> Self {
        Self::with(de, Rules { yaml_scalars: true })
    }

    fn with(de: D, rules: Rules) -> Self {
        Strict {
            de,
            rules,
            keys: None,
        }
    }
}

/// What a [`Strict`] reader adds to the one it wraps.
#[derive(Debug, Clone, Copy, Default)]
struct Rules {
    /// Scalars as YAML reads them into a field (see [`Strict::yaml_tree`]).
    yaml_scalars: bool,
}

/// The kind of scalar a field asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Bool,
    Int,
    Float,
    Str,
}

/// A visitor passed down through [`Strict`]: it wraps whatever it is handed next (a nested
/// deserializer, a sequence, a map, an enum) so the rules hold all the way down, refuses a
/// sequence when it stands for a struct, and converts a scalar to the kind its field wants
/// under YAML's rules.
struct Wrap<V> {
    inner: V,
    rules: Rules,
    is_struct: bool,
    want: Option<Want>,
    /// When this reads a map's key: the keys the map has had.
    keys: Option<Keys>,
}

impl<V> Wrap<V> {
    fn any(inner: V, rules: Rules) -> Self {
        Wrap {
            inner,
            rules,
            is_struct: false,
            want: None,
            keys: None,
        }
    }

    /// Reading a key of the map that has had `keys` (a key is a scalar).
    fn key(self, keys: Option<Keys>) -> Self {
        Wrap { keys, ..self }
    }

    /// A text read: when it is a map's key, refused if the map has had it.
    fn check_key<E: de::Error>(&self, text: &str) -> Result<(), E> {
        let Some(keys) = &self.keys else {
            return Ok(());
        };
        let mut seen = keys.take();
        let new = seen.insert(text.to_owned());
        keys.set(seen);
        if new {
            Ok(())
        } else {
            Err(E::custom(duplicate_key(text)))
        }
    }

    fn structure(inner: V, rules: Rules) -> Self {
        Wrap {
            is_struct: true,
            ..Wrap::any(inner, rules)
        }
    }

    fn scalar(inner: V, rules: Rules, want: Want) -> Self {
        Wrap {
            want: Some(want),
            ..Wrap::any(inner, rules)
        }
    }
}

/// A seed whose deserializer is wrapped in [`Strict`]; for a map's key, with the keys the map
/// has had.
struct Seed<S>(S, Rules, Option<Keys>);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Strict {
            de: d,
            rules: self.1,
            keys: self.2,
        })
    }
}

macro_rules! forward_deserialize {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.de.$method(Wrap::any(visitor, self.rules).key(self.keys))
        }
    )*};
}

/// Scalars: as the wrapped reader reads them, or, under YAML's rules, from whatever scalar the
/// tree holds (converted by [`Wrap`]).
macro_rules! scalar_deserialize {
    ($($method:ident => $want:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            if self.rules.yaml_scalars {
                self.de
                    .deserialize_any(Wrap::scalar(visitor, self.rules, Want::$want).key(self.keys))
            } else {
                self.de.$method(Wrap::any(visitor, self.rules).key(self.keys))
            }
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any deserialize_bytes deserialize_byte_buf deserialize_option
        deserialize_unit deserialize_seq deserialize_map deserialize_identifier
        deserialize_ignored_any
    }

    scalar_deserialize! {
        deserialize_bool => Bool
        deserialize_i8 => Int deserialize_i16 => Int deserialize_i32 => Int
        deserialize_i64 => Int deserialize_i128 => Int deserialize_u8 => Int
        deserialize_u16 => Int deserialize_u32 => Int deserialize_u64 => Int
        deserialize_u128 => Int
        deserialize_f32 => Float deserialize_f64 => Float
        deserialize_char => Str deserialize_str => Str deserialize_string => Str
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_unit_struct(name, Wrap::any(visitor, self.rules))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_newtype_struct(name, Wrap::any(visitor, self.rules).key(self.keys))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_tuple(len, Wrap::any(visitor, self.rules))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_tuple_struct(name, len, Wrap::any(visitor, self.rules))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_struct(name, fields, Wrap::structure(visitor, self.rules))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_enum(
            name,
            variants,
            Wrap::any(visitor, self.rules).key(self.keys),
        )
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty))*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

/// A number or boolean read where a string is wanted, as its text. A map's key read as one
/// (`BTreeMap<u16, _>`) is checked by its value's text, so `"200"` and `200` are one key.
macro_rules! as_text {
    ($($method:ident($ty:ty))*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            if self.want == Some(Want::Str) {
                self.inner.visit_string(v.to_string())
            } else {
                if self.keys.is_some() {
                    self.check_key(&v.to_string())?;
                }
                self.inner.$method(v)
            }
        }
    )*};
}

impl<V> Wrap<V> {
    /// A string where a number or boolean is wanted: the value it spells, if it spells one;
    /// otherwise the visitor back.
    fn read_text<'de, E: de::Error>(self, v: &str) -> Result<Result<V::Value, E>, Self>
    where
        V: Visitor<'de>,
    {
        let t = v.trim();
        match self.want {
            // Through this visitor's own visits, so a map's key is checked by its value.
            Some(Want::Bool) => match yaml_bool(t) {
                Some(b) => Ok(self.visit_bool(b)),
                None => Err(self),
            },
            Some(Want::Int) => match yaml_int(t) {
                Some(n) => Ok(match (u64::try_from(n), i64::try_from(n)) {
                    (Ok(n), _) => self.visit_u64(n),
                    (_, Ok(n)) => self.visit_i64(n),
                    _ => self.visit_i128(n),
                }),
                None => Err(self),
            },
            Some(Want::Float) => match t.parse::<f64>() {
                Ok(x) => Ok(self.visit_f64(x)),
                Err(_) => Err(self),
            },
            Some(Want::Str) | None => Err(self),
        }
    }
}

/// A boolean in YAML 1.1's spellings, which the YAML reader accepts: `true`, `yes`, `y`, `on`
/// and their opposites, in any case.
fn yaml_bool(t: &str) -> Option<bool> {
    let is = |words: [&str; 4]| words.iter().any(|w| t.eq_ignore_ascii_case(w));
    if is(["true", "yes", "y", "on"]) {
        Some(true)
    } else if is(["false", "no", "n", "off"]) {
        Some(false)
    } else {
        None
    }
}

/// A whole number as YAML writes one: a sign, then decimal, `0x` hex, `0o` octal or `0b`
/// binary digits, with `_` between digits.
fn yaml_int(t: &str) -> Option<i128> {
    let (negative, unsigned) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = match unsigned.get(..2) {
        Some("0x") => (16, &unsigned[2..]),
        Some("0o") => (8, &unsigned[2..]),
        Some("0b") => (2, &unsigned[2..]),
        _ => (10, unsigned),
    };
    let starts_with_digit = digits.starts_with(|c: char| c.is_ascii_alphanumeric());
    if !starts_with_digit || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    let n = i128::from_str_radix(&digits.replace('_', ""), radix).ok()?;
    Some(if negative { -n } else { n })
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit! {
        visit_bytes(&[u8]) visit_borrowed_bytes(&'de [u8]) visit_byte_buf(Vec<u8>)
    }

    fn visit_char<E: de::Error>(self, v: char) -> Result<V::Value, E> {
        if self.keys.is_some() {
            self.check_key(v.encode_utf8(&mut [0; 4]))?;
        }
        self.inner.visit_char(v)
    }

    as_text! {
        visit_bool(bool) visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64)
        visit_i128(i128) visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64)
        visit_u128(u128) visit_f32(f32) visit_f64(f64)
    }

    // A text that spells the number or boolean wanted is checked as that value (`0x10` and
    // `16` are one key), any other as itself.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.read_text(v).unwrap_or_else(|this| {
            this.check_key(v)?;
            this.inner.visit_str(v)
        })
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.read_text(v).unwrap_or_else(|this| {
            this.check_key(v)?;
            this.inner.visit_borrowed_str(v)
        })
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        match self.read_text(&v) {
            Ok(read) => read,
            Err(this) => {
                this.check_key(&v)?;
                this.inner.visit_string(v)
            }
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Strict::with(d, self.rules))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        // A key in a newtype (`BTreeMap<Name, _>`) is checked as what it wraps.
        self.inner.visit_newtype_struct(Strict {
            de: d,
            rules: self.rules,
            keys: self.keys,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        if self.is_struct {
            return Err(de::Error::invalid_type(Unexpected::Seq, &self));
        }
        self.inner.visit_seq(Seq(seq, self.rules))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        // A struct's repeated field is serde's to refuse; any other map's key, this reader's.
        let keys = (!self.is_struct).then(Keys::default);
        self.inner.visit_map(Map(map, self.rules, keys))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        // A key read as an enum (`BTreeMap<ErrorKind, _>`) is checked by its variant's name.
        self.inner.visit_enum(Enum(data, self.rules, self.keys))
    }
}

/// The elements of a sequence, each read through [`Strict`].
struct Seq<A>(A, Rules);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Seq<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed, self.1, None))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// The keys and values of a mapping, each read through [`Strict`]; the keys of a map that is
/// not a struct, each once.
struct Map<A>(A, Rules, Option<Keys>);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Map<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed, self.1, self.2.clone()))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed, self.1, None))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// An enum's variant and content, read through [`Strict`]; for a map's key, with the keys the
/// map has had.
struct Enum<A>(A, Rules, Option<Keys>);

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Enum<A> {
    type Error = A::Error;
    type Variant = Variant<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        let rules = self.1;
        self.0
            .variant_seed(Seed(seed, rules, self.2))
            .map(|(value, variant)| (value, Variant(variant, rules)))
    }
}

/// An enum variant's content; a struct variant must be a mapping too.
struct Variant<A>(A, Rules);

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Variant<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed, self.1, None))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrap::any(visitor, self.1))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0
            .struct_variant(fields, Wrap::structure(visitor, self.1))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::{Strict, yaml_int};

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        a: u32,
        b: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Unit,
        Newtype(Inner),
        Tuple(u32, u32),
        Fields { x: u32 },
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        inner: Option<Inner>,
        list: Vec<Inner>,
        map: BTreeMap<String, Inner>,
        pair: (u32, Inner),
        kinds: Vec<Kind>,
    }

    fn read<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T, String> {
        let mut de = serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(Strict::new(&mut de))
            .map_err(|e| format!("{}: {}", e.path(), e.inner()))
    }

    const GOOD: &str = r#"{"inner": {"a": 1, "b": "x"}, "list": [{"a": 2, "b": "y"}],
        "map": {"k": {"a": 3, "b": "z"}}, "pair": [4, {"a": 5, "b": "w"}],
        "kinds": ["unit", {"newtype": {"a": 6, "b": "v"}}, {"tuple": [7, 8]},
                  {"fields": {"x": 9}}]}"#;

    /// Mappings, lists, tuples, options and every kind of enum variant read as serde reads them.
    #[test]
    fn reads_what_serde_reads_from_mappings() {
        let plain: Outer = serde_json::from_str(GOOD).expect("serde reads it");
        assert_eq!(read::<Outer>(GOOD), Ok(plain));
        assert_eq!(read::<Vec<u32>>("[1, 2]"), Ok(vec![1, 2]));
    }

    /// Each place a struct can be, written as a list: serde alone accepts every one of these.
    #[test]
    fn refuses_a_list_wherever_a_struct_belongs() {
        for (json, path, line_column) in [
            (
                r#"[{"a": 1, "b": "x"}, [], {}, [4, [5, "w"]], []]"#,
                ".",
                "line 1 column 1",
            ),
            (
                r#"{"inner": [1, "x"], "list": [], "map": {}, "pair": [4, {"a": 5, "b": "w"}], "kinds": []}"#,
                "inner",
                "line 1 column 11",
            ),
            (
                r#"{"inner": null, "list": [[2, "y"]], "map": {}, "pair": [4, {"a": 5, "b": "w"}], "kinds": []}"#,
                "list[0]",
                "line 1 column 26",
            ),
            (
                r#"{"inner": null, "list": [], "map": {"k": [3, "z"]}, "pair": [4, {"a": 5, "b": "w"}], "kinds": []}"#,
                "map.k",
                "line 1 column 42",
            ),
            (
                r#"{"inner": null, "list": [], "map": {}, "pair": [4, [5, "w"]], "kinds": []}"#,
                "pair[1]",
                "line 1 column 52",
            ),
            (
                r#"{"inner": null, "list": [], "map": {}, "pair": [4, {"a": 5, "b": "w"}], "kinds": [{"newtype": [6, "v"]}]}"#,
                "kinds[0].newtype",
                "line 1 column 95",
            ),
            (
                r#"{"inner": null, "list": [], "map": {}, "pair": [4, {"a": 5, "b": "w"}], "kinds": [{"fields": [9]}]}"#,
                "kinds[0].fields",
                "line 1 column 94",
            ),
        ] {
            assert!(
                serde_json::from_str::<Outer>(json).is_ok(),
                "serde alone: {json}"
            );
            let err = read::<Outer>(json).expect_err(json);
            assert!(
                err.starts_with(&format!("{path}: invalid type: sequence")),
                "{json}: {err}"
            );
            assert!(err.ends_with(line_column), "{json}: {err}");
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Free {
        value: serde_json::Value,
        map: BTreeMap<String, u32>,
        #[serde(default)]
        inner: Option<Inner>,
    }

    /// A key twice in one map: serde keeps the last one (in a JSON value, in a `BTreeMap`), so
    /// the first is lost without a word. Refused at any depth, with the map's path (and `?` for
    /// the key, which the message names) and the place of the repeated key.
    #[test]
    fn refuses_a_key_twice_in_one_map() {
        for (json, path, key, line_column) in [
            (
                r#"{"value": {"a": 1, "a": 2}, "map": {}}"#,
                "value.?",
                "a",
                "line 1 column 22",
            ),
            (
                r#"{"value": [1, {"x": {"b": true, "c": null, "b": [{"d": 1}]}}], "map": {}}"#,
                "value[1].x.?",
                "b",
                "line 1 column 46",
            ),
            (
                r#"{"value": {"a": [{"b": {"c": 1, "c": 1}}]}, "map": {}}"#,
                "value.a[0].b.?",
                "c",
                "line 1 column 35",
            ),
            (
                r#"{"value": null, "map": {"k": 1, "k": 2}}"#,
                "map.?",
                "k",
                "line 1 column 35",
            ),
        ] {
            assert!(
                serde_json::from_str::<Free>(json).is_ok(),
                "serde alone: {json}"
            );
            let err = read::<Free>(json).expect_err(json);
            assert_eq!(
                err,
                format!(
                    "{path}: duplicate key \"{key}\" (each key may appear once per mapping) at {line_column}"
                ),
                "{json}"
            );
        }
        // A struct's repeated field is serde's to refuse, in its words.
        let twice = r#"{"value": {"a": 1}, "map": {}, "value": 2}"#;
        let err = read::<Free>(twice).expect_err(twice);
        assert!(err.contains("duplicate field `value`"), "{err}");
        // The same key in two maps is no repetition.
        let apart = r#"{"value": {"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}]}, "map": {"a": 1},
            "inner": {"a": 1, "b": "a"}}"#;
        assert!(read::<Free>(apart).is_ok(), "{apart}");
    }

    #[derive(Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    enum Color {
        Red,
        Blue,
    }

    #[derive(Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
    struct Name(String);

    /// Maps whose keys are read as something other than text.
    #[derive(Debug, Deserialize, PartialEq)]
    struct Keyed {
        #[serde(default)]
        codes: BTreeMap<u16, u32>,
        #[serde(default)]
        flags: BTreeMap<bool, u32>,
        #[serde(default)]
        colors: BTreeMap<Color, u32>,
        #[serde(default)]
        names: BTreeMap<Name, u32>,
        #[serde(default, with = "crate::metrics::status_map")]
        statuses: BTreeMap<u16, u64>,
    }

    /// A key read as a number, a boolean, an enum or a newtype, twice: serde keeps the last
    /// one, as for text keys. It used to pass unchecked (only keys read as text were).
    #[test]
    fn refuses_a_key_read_as_a_number_or_other_non_text_twice() {
        for (json, path, key, line_column) in [
            (
                r#"{"codes": {"200": 1, "404": 2, "200": 3}}"#,
                "codes.?",
                "200",
                "line 1 column 35",
            ),
            (
                r#"{"flags": {"true": 1, "true": 2}}"#,
                "flags.?",
                "true",
                "line 1 column 28",
            ),
            (
                r#"{"colors": {"red": 1, "blue": 2, "red": 3}}"#,
                "colors.?",
                "red",
                "line 1 column 38",
            ),
            (
                r#"{"names": {"a": 1, "a": 2}}"#,
                "names.?",
                "a",
                "line 1 column 22",
            ),
            (
                r#"{"statuses": {"503": 1, "503": 2}}"#,
                "statuses.?",
                "503",
                "line 1 column 29",
            ),
        ] {
            assert!(
                serde_json::from_str::<Keyed>(json).is_ok(),
                "serde alone: {json}"
            );
            let err = read::<Keyed>(json).expect_err(json);
            assert_eq!(
                err,
                format!(
                    "{path}: duplicate key \"{key}\" (each key may appear once per mapping) at {line_column}"
                ),
                "{json}"
            );
        }
        // Different keys, and the same key in two maps, are fine.
        let apart = r#"{"codes": {"200": 1, "404": 2}, "flags": {"true": 1, "false": 2},
            "colors": {"red": 1, "blue": 2}, "names": {"a": 1, "b": 2},
            "statuses": {"200": 1, "404": 2}}"#;
        let keyed = read::<Keyed>(apart).expect(apart);
        assert_eq!(keyed.codes, BTreeMap::from([(200, 1), (404, 2)]));
        assert_eq!(keyed.statuses, BTreeMap::from([(200, 1), (404, 2)]));

        // In a tree built from YAML, a key is checked by the value it spells: `0xC8` is 200.
        let tree = serde_json::json!({"codes": {"200": 1, "0xC8": 2}});
        let err = from_yaml_tree::<Keyed>(tree).expect_err("200 twice");
        assert!(err.contains(r#"duplicate key "200""#), "{err}");
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Scalars {
        s: String,
        n: u32,
        i: i64,
        b: bool,
        f: f64,
        o: Option<String>,
    }

    fn from_yaml_tree<T: for<'de> Deserialize<'de>>(tree: serde_json::Value) -> Result<T, String> {
        T::deserialize(Strict::yaml_tree(&tree)).map_err(|e| e.to_string())
    }

    /// A tree built from YAML typed its scalars when it was built; the YAML reader, reading
    /// straight into a field, would have taken each of these.
    #[test]
    fn a_yaml_tree_reads_scalars_as_yaml_does() {
        let tree = serde_json::json!({
            "s": 3, "n": "0x10", "i": "-1_000", "b": "yes", "f": "2.5", "o": true
        });
        let read: Scalars = from_yaml_tree(tree).expect("read as YAML reads it");
        assert_eq!(
            read,
            Scalars {
                s: "3".into(),
                n: 16,
                i: -1000,
                b: true,
                f: 2.5,
                o: Some("true".into()),
            }
        );
        let typed = serde_json::json!({"s": "x", "n": 7, "i": -2, "b": false, "f": 1, "o": null});
        let read: Scalars = from_yaml_tree(typed).expect("typed scalars");
        assert_eq!(
            (read.n, read.i, read.b, read.f, read.o),
            (7, -2, false, 1.0, None)
        );

        // What spells no value of the kind stays an error, as it is for the YAML reader.
        for (field, value, wanted) in [
            ("n", serde_json::json!("abc"), "u32"),
            ("n", serde_json::json!("-3"), "u32"),
            ("n", serde_json::json!(2.5), "u32"),
            ("b", serde_json::json!("maybe"), "a boolean"),
            ("f", serde_json::json!("fast"), "f64"),
            ("s", serde_json::json!(null), "a string"),
            ("s", serde_json::json!(["x"]), "a string"),
        ] {
            let mut tree = serde_json::json!({"s": "x", "n": 1, "i": 1, "b": true, "f": 1.0});
            tree[field] = value;
            let err = from_yaml_tree::<Scalars>(tree).expect_err(field);
            assert!(err.contains(wanted), "{field}: {err}");
        }
        // A JSON tree keeps JSON's types.
        let tree = serde_json::json!({"s": 3, "n": 1, "i": 1, "b": true, "f": 1.0});
        let err = Scalars::deserialize(Strict::new(&tree)).expect_err("a number is no string");
        assert!(err.to_string().contains("expected a string"), "{err}");
    }

    #[test]
    fn yaml_integers() {
        for (text, want) in [
            ("12", Some(12)),
            ("+12", Some(12)),
            ("-12", Some(-12)),
            ("1_000_000", Some(1_000_000)),
            ("0x1F", Some(31)),
            ("0o17", Some(15)),
            ("0b101", Some(5)),
            ("-0x10", Some(-16)),
            ("", None),
            ("-", None),
            ("0x", None),
            ("_1", None),
            ("1_", None),
            ("1__0", None),
            ("--1", None),
            ("-+1", None),
            ("1.0", None),
            ("1e3", None),
            ("0x1G", None),
        ] {
            assert_eq!(yaml_int(text), want, "{text:?}");
        }
    }
}
