//! Reading a document with serde while refusing a list where a struct belongs.
//!
//! serde's derived `Deserialize` reads a struct from a mapping of named fields *or* from a
//! sequence of its fields in declaration order. Nobody writing a scenario or a REST body means
//! the second: `"options": ["5s", "1s"]` would quietly become a timeout of 5 s and a graceful
//! stop of 1 s, and `"json": ["/id", 3]` a JSON check, with nothing said. [`MapsOnly`] wraps a
//! deserializer so that every struct (and struct variant) below it must be a mapping; a
//! sequence there is the usual `invalid type: sequence, expected struct …` error, with the
//! path and position the wrapped deserializer gives it.
//!
//! Everything else passes through unchanged: lists, tuples, maps, enums and scalars read as
//! the wrapped deserializer reads them.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};

/// A deserializer whose structs must be mappings; see the module documentation.
pub struct MapsOnly<D>(pub D);

/// A visitor passed down through [`MapsOnly`]: it wraps whatever it is handed next (a nested
/// deserializer, a sequence, a map, an enum) so the rule holds all the way down, and, when it
/// stands for a struct, refuses a sequence.
struct Wrap<V> {
    inner: V,
    is_struct: bool,
}

impl<V> Wrap<V> {
    fn any(inner: V) -> Self {
        Wrap {
            inner,
            is_struct: false,
        }
    }

    fn structure(inner: V) -> Self {
        Wrap {
            inner,
            is_struct: true,
        }
    }
}

/// A seed whose deserializer is wrapped in [`MapsOnly`].
struct Seed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(MapsOnly(d))
    }
}

macro_rules! forward_deserialize {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(Wrap::any(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for MapsOnly<D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Wrap::any(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, Wrap::any(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Wrap::any(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_tuple_struct(name, len, Wrap::any(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_struct(name, fields, Wrap::structure(visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, Wrap::any(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty))*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit! {
        visit_bool(bool) visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64)
        visit_i128(i128) visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64)
        visit_u128(u128) visit_f32(f32) visit_f64(f64) visit_char(char) visit_str(&str)
        visit_borrowed_str(&'de str) visit_string(String) visit_bytes(&[u8])
        visit_borrowed_bytes(&'de [u8]) visit_byte_buf(Vec<u8>)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(MapsOnly(d))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(MapsOnly(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        if self.is_struct {
            return Err(de::Error::invalid_type(Unexpected::Seq, &self));
        }
        self.inner.visit_seq(Seq(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(Map(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(Enum(data))
    }
}

/// The elements of a sequence, each read through [`MapsOnly`].
struct Seq<A>(A);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Seq<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// The keys and values of a mapping, each read through [`MapsOnly`].
struct Map<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Map<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// An enum's variant and content, read through [`MapsOnly`].
struct Enum<A>(A);

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Enum<A> {
    type Error = A::Error;
    type Variant = Variant<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        self.0
            .variant_seed(Seed(seed))
            .map(|(value, variant)| (value, Variant(variant)))
    }
}

/// An enum variant's content; a struct variant must be a mapping too.
struct Variant<A>(A);

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Variant<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrap::any(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Wrap::structure(visitor))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::MapsOnly;

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
        serde_path_to_error::deserialize(MapsOnly(&mut de))
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
}
