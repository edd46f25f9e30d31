//! The `codes!` macro: stable snake_case codes for the record enums (the
//! store's column values and the tails of their label keys), one spelling
//! each, shared by the endpoint and Cloud App Security records.

/// Stable snake_case codes for the enums: the store's column values and
/// the tails of their label keys (`ep_action_cleaned`), one spelling each.
macro_rules! codes {
    ($ty:ty { $($v:ident => $c:literal),* $(,)? }) => {
        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$ty] = &[$(Self::$v),*];

            /// The variant's code (its serde name).
            pub fn code(self) -> &'static str {
                match self {
                    $(Self::$v => $c),*
                }
            }

            /// The variant of a code, `None` for an unknown one.
            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}
