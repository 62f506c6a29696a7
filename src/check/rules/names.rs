//! Name syntax, as in apimachinery `pkg/util/validation`.

fn label_chars(s: &str, first: fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && first(b[0])
        && (b[b.len() - 1].is_ascii_lowercase() || b[b.len() - 1].is_ascii_digit())
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

fn alnum_lower(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// IsDNS1123Label: at most 63 lower-case alphanumerics or `-`, alphanumeric at both ends.
pub fn dns1123_label(s: &str) -> Result<(), String> {
    if s.len() > 63 {
        return Err(format!(
            "must be at most 63 characters (it has {})",
            s.len()
        ));
    }
    if !label_chars(s, alnum_lower) {
        return Err("must consist of lower-case letters, digits and `-`, and start and end with a letter or digit".into());
    }
    Ok(())
}

/// IsDNS1035Label (Service names): like a DNS-1123 label but starting with a letter.
pub fn dns1035_label(s: &str) -> Result<(), String> {
    if s.len() > 63 {
        return Err(format!(
            "must be at most 63 characters (it has {})",
            s.len()
        ));
    }
    if !label_chars(s, |c| c.is_ascii_lowercase()) {
        return Err("must consist of lower-case letters, digits and `-`, start with a letter and end with a letter or digit".into());
    }
    Ok(())
}

/// IsDNS1123Subdomain: dot-separated DNS-1123 labels, at most 253 characters.
pub fn dns1123_subdomain(s: &str) -> Result<(), String> {
    if s.len() > 253 {
        return Err(format!(
            "must be at most 253 characters (it has {})",
            s.len()
        ));
    }
    if s.is_empty() || !s.split('.').all(|p| label_chars(p, alnum_lower)) {
        return Err(
            "must consist of lower-case letters, digits, `-` and `.`, and start and end with a letter or digit".into(),
        );
    }
    Ok(())
}

fn qualified_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// IsQualifiedName (label and annotation keys): `[prefix/]name`.
pub fn qualified_name(s: &str) -> Result<(), String> {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix {
        if p.is_empty() {
            return Err("prefix part must not be empty".into());
        }
        dns1123_subdomain(p).map_err(|e| format!("prefix part {e}"))?;
    }
    if !qualified_part(name) {
        return Err("name part must be at most 63 characters: letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit".into());
    }
    Ok(())
}

/// IsValidLabelValue: empty, or at most 63 characters like a qualified name part.
pub fn label_value(s: &str) -> Result<(), String> {
    if s.is_empty() || qualified_part(s) {
        Ok(())
    } else {
        Err("must be empty or at most 63 characters: letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit".into())
    }
}

/// IsValidPortName (IANA_SVC_NAME): at most 15 characters, lower-case letters, digits and `-`, at least one letter.
pub fn port_name(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 15 {
        return Err("must be 1 to 15 characters".into());
    }
    if !b
        .iter()
        .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
    {
        return Err("must contain only lower-case letters, digits and `-`".into());
    }
    if !b.iter().any(u8::is_ascii_lowercase) {
        return Err("must contain at least one letter".into());
    }
    if s.contains("--") || b[0] == b'-' || b[b.len() - 1] == b'-' {
        return Err("must not begin or end with `-` nor contain `--`".into());
    }
    Ok(())
}

/// IsEnvVarName: letters, digits, `_`, `-`, `.`, not starting with a digit.
pub fn env_var_name(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    if b.is_empty()
        || b[0].is_ascii_digit()
        || !b
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
    {
        return Err(
            "must consist of letters, digits, `_`, `-` or `.`, and not start with a digit".into(),
        );
    }
    Ok(())
}

/// ConfigMap and Secret keys: letters, digits, `-`, `_`, `.`.
pub fn config_key(s: &str) -> Result<(), String> {
    if s.is_empty()
        || s.len() > 253
        || !s
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
    {
        return Err("must consist of letters, digits, `-`, `_` or `.`".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(dns1123_subdomain("my-app.example").is_ok());
        assert!(dns1123_subdomain("My_App").is_err());
        assert!(dns1123_label("a.b").is_err());
        assert!(dns1035_label("1abc").is_err());
        assert!(qualified_name("app.kubernetes.io/name").is_ok());
        assert!(qualified_name("bad key").is_err());
        assert!(label_value("").is_ok());
        assert!(label_value("-x").is_err());
        assert!(port_name("http").is_ok());
        assert!(port_name("8080").is_err());
        assert!(port_name("http-metrics-long").is_err());
        assert!(env_var_name("MY_VAR").is_ok());
        assert!(env_var_name("1VAR").is_err());
    }
}
