//! The roles a `qin` process can run: `gateway`, `router`, `autoreply`.

use std::fmt;
use std::str::FromStr;

/// One of Qin's services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Websocket endpoints, REST API, web pages.
    Gateway,
    /// Assigns chats to persona groups and agents.
    Router,
    /// Greetings, keyword answers, away messages.
    Autoreply,
}

impl Role {
    const ALL: [Role; 3] = [Role::Gateway, Role::Router, Role::Autoreply];

    fn name(self) -> &'static str {
        match self {
            Role::Gateway => "gateway",
            Role::Router => "router",
            Role::Autoreply => "autoreply",
        }
    }
}

/// A set of roles, e.g. parsed from `--roles router,autoreply`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles(Vec<Role>);

impl Roles {
    /// Every role: one process runs the whole of Qin.
    pub fn all() -> Self {
        Self(Role::ALL.to_vec())
    }

    /// Whether `role` is in the set.
    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }
}

impl Default for Roles {
    fn default() -> Self {
        Self::all()
    }
}

impl FromStr for Roles {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut roles = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let role = Role::ALL
                .into_iter()
                .find(|r| r.name() == part)
                .ok_or_else(|| {
                    format!("unknown role {part:?}; roles are gateway, router, autoreply")
                })?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        if roles.is_empty() {
            return Err("no roles given; roles are gateway, router, autoreply".into());
        }
        Ok(Self(roles))
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.0.iter().map(|r| r.name()).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_role_lists() {
        let r: Roles = "router, autoreply".parse().unwrap();
        assert!(r.has(Role::Router) && r.has(Role::Autoreply) && !r.has(Role::Gateway));
        assert_eq!(r.to_string(), "router,autoreply");
        assert!("gateway,gateway".parse::<Roles>().is_ok());
        assert!("".parse::<Roles>().is_err());
        assert!("web".parse::<Roles>().is_err());
    }
}
