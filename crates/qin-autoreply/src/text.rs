//! Small text helpers of the rules: filling `{placeholders}`, wording an estimate, and a
//! stable short id for a keyword rule's answer.

/// `template` with every `{name}` of `values` replaced; other braces stay as written.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (close, *v))
        });
        match value {
            Some((close, v)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// An estimate as shoppers read it: `不到1分钟`, `约3分钟`, `约2小时`, or `稍等片刻` when unknown.
pub(crate) fn eta(eta_s: Option<u32>) -> String {
    match eta_s {
        None => "稍等片刻".into(),
        Some(s) if s < 60 => "不到1分钟".into(),
        Some(s) if s < 3600 => format!("约{}分钟", s.div_ceil(60)),
        Some(s) => format!("约{}小时", s.div_ceil(3600)),
    }
}

/// A short id that stays the same for the same text (FNV-1a, 64 bits, in hex): a keyword
/// rule is known by its answer, so reordering rules in the config keeps their identity.
pub(crate) fn short_id(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_known_placeholders_only() {
        let v = [("agent", "安红"), ("eta", "约3分钟")];
        assert_eq!(fill("{agent}来啦，{eta}", &v), "安红来啦，约3分钟");
        assert_eq!(fill("{other} {agent} {", &v), "{other} 安红 {");
        assert_eq!(fill("{{agent}}", &v), "{安红}");
        assert_eq!(fill("", &v), "");
    }

    #[test]
    fn estimates_read_naturally() {
        assert_eq!(eta(None), "稍等片刻");
        assert_eq!(eta(Some(0)), "不到1分钟");
        assert_eq!(eta(Some(59)), "不到1分钟");
        assert_eq!(eta(Some(60)), "约1分钟");
        assert_eq!(eta(Some(61)), "约2分钟");
        assert_eq!(eta(Some(7200)), "约2小时");
    }

    #[test]
    fn short_ids_are_stable() {
        assert_eq!(short_id("亲"), short_id("亲"));
        assert_ne!(short_id("a"), short_id("b"));
        assert_eq!(short_id("").len(), 16);
    }
}
