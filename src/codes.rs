//! Stable code lists, each written once.
//!
//! Error codes, check codes, vendor formats and face policies are all enums whose variants have a
//! fixed wire name. [`codes!`] declares such an enum and derives from the one list its `name`, its
//! `ALL` and `NAMES` tables, `FromStr`, `Display` and serde in both directions, so a new variant
//! cannot be forgotten in any of them, and every `match` on the enum stays exhaustive: a new
//! variant fails to compile until each mapping (status codes, numeric codes, messages) has it.

/// Declares a fieldless enum whose variants each carry a wire name:
///
/// ```ignore
/// codes! {
///     /// Doc of the enum.
///     pub enum Colour {
///         /// Doc of the variant.
///         Red = "RED",
///     }
/// }
/// ```
macro_rules! codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every variant's wire name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The name as it appears in JSON, on the command line and in JavaScript.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The variant with this wire name.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|c| c.name() == name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            /// Parses a wire name; the error lists the names allowed.
            fn from_str(s: &str) -> Result<Self, String> {
                Self::from_name(s).ok_or_else(|| {
                    format!("unknown value `{s}`: use one of {}", Self::NAMES.join(", "))
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::from_name(&s)
                    .ok_or_else(|| serde::de::Error::unknown_variant(&s, Self::NAMES))
            }
        }
    };
}

pub(crate) use codes;

#[cfg(test)]
mod tests {
    codes! {
        /// Test colours.
        pub enum Colour {
            /// Red.
            Red = "RED",
            /// Dark blue.
            DarkBlue = "DARK_BLUE",
        }
    }

    #[test]
    fn names_tables_and_serde_agree() {
        assert_eq!(Colour::NAMES, ["RED", "DARK_BLUE"]);
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkBlue]);
        for c in Colour::ALL {
            let json = serde_json::to_value(c).unwrap();
            assert_eq!(json, c.name());
            assert_eq!(serde_json::from_value::<Colour>(json).unwrap(), *c);
            assert_eq!(c.name().parse::<Colour>(), Ok(*c));
        }
        let err = serde_json::from_value::<Colour>("GREEN".into()).unwrap_err();
        assert!(err.to_string().contains("GREEN"), "{err}");
        assert!("red"
            .parse::<Colour>()
            .unwrap_err()
            .contains("RED, DARK_BLUE"));
    }
}
