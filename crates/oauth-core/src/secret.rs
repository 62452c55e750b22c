//! Secret values that cannot leak through `Debug` or logs.
//!
//! Every secret the server handles (passwords, client secrets, refresh tokens, private keys) is one
//! of these newtypes. `Debug` prints `Name([redacted])`; there is no `Display`; the value is read
//! only through an explicit `secret()` call, so a leak is visible in review.

/// Declares a secret newtype over `String` whose `Debug` output is redacted.
macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself. Call only where the value must be used.
            pub fn secret(&self) -> &str {
                &self.0
            }

            /// Unwraps the secret.
            pub fn into_secret(self) -> String {
                self.0
            }
        }

        /// Read from a JSON string (admin API bodies); there is deliberately no `Serialize`.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_type!(
    /// A user's password as typed.
    Password
);
secret_type!(
    /// A client secret (RFC 6749 §2.3.1), as issued to the client.
    ClientSecret
);
secret_type!(
    /// An opaque refresh token as issued to the client.
    RefreshTokenSecret
);
secret_type!(
    /// An opaque authorization code as issued to the client (RFC 6749 §4.1.2).
    AuthorizationCodeSecret
);
secret_type!(
    /// A PKCE `code_verifier` (RFC 7636 §4.1).
    PkceVerifier
);
secret_type!(
    /// A PHC string (Argon2id) of a password; not the password, but still kept out of logs.
    PasswordHash
);
secret_type!(
    /// A private signing key, PKCS#8 DER encoded as base64.
    PrivateKeyDer
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_is_redacted() {
        let cases: [(String, &str); 5] = [
            (
                format!("{:?}", Password::new("hunter2")),
                "Password([redacted])",
            ),
            (
                format!("{:?}", ClientSecret::new("s3cr3t")),
                "ClientSecret([redacted])",
            ),
            (
                format!("{:?}", RefreshTokenSecret::new("rt")),
                "RefreshTokenSecret([redacted])",
            ),
            (
                format!("{:?}", PasswordHash::new("$argon2id$x")),
                "PasswordHash([redacted])",
            ),
            (
                format!("{:?}", PrivateKeyDer::new("MIG")),
                "PrivateKeyDer([redacted])",
            ),
        ];
        for (printed, expected) in cases {
            assert_eq!(printed, expected);
        }
        let nested = format!("{:?}", Some(vec![Password::new("hunter2")]));
        assert!(!nested.contains("hunter2"));
    }

    #[test]
    fn secret_is_readable_on_purpose() {
        assert_eq!(ClientSecret::new("abc").secret(), "abc");
    }
}
