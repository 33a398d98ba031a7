//! The Qin config the generator runs against (`load-tests/qin-load.toml`): the demo shop
//! with generated agents `a0000`, `a0001`, … spread over the four persona groups, high chat
//! caps and per-socket rate limits fit for load. `qin-load gen-config` writes it.

/// The persona groups of the demo shop, in the order agents are dealt to them.
pub const GROUPS: [&str; 4] = ["lady", "bold", "fresh", "zany"];

/// Argon2 hash of `qin-demo`, the demo password (from `config/qin.toml`).
pub const DEMO_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$pGFBn521NXng7u0cVWYxmg$ujAivVu1chkCsfbKxOKYQRXcax1QR+2wNjtdEs4eNzk";

/// The password of every generated agent.
pub const PASSWORD: &str = "qin-demo";

/// The `i`-th generated agent's id.
pub fn agent_id(i: usize) -> String {
    format!("a{i:04}")
}

/// What shoppers of `shop` know the `i`-th generated agent by (her handle).
pub fn agent_handle(shop: &str, i: usize) -> String {
    let shop = qin_proto::ShopId::parse(shop).expect("a shop id");
    let agent = qin_proto::AgentId::parse(agent_id(i)).expect("an agent id");
    qin_config::agent_handle(&shop, &agent, DEMO_HASH).to_string()
}

/// The `i`-th generated agent's persona group.
pub fn agent_group(i: usize) -> &'static str {
    GROUPS[i % GROUPS.len()]
}

/// A complete config: `agents` agents with `max_chats` each.
pub fn generate(agents: usize, max_chats: u32) -> String {
    let mut out = String::from(HEADER);
    for i in 0..agents {
        out.push_str(&format!(
            "\n[[shops.agents]]\nid = \"{}\"\nname = \"客服{i}\"\ngroup = \"{}\"\nmax_chats = {max_chats}\npassword_hash = \"{DEMO_HASH}\"\n",
            agent_id(i),
            agent_group(i)
        ));
    }
    out
}

const HEADER: &str = r#"# Qin config for load tests: the demo shop 阿芙精油 with generated agents.
# Written by `qin-load gen-config` (do not edit by hand; regenerate). Every agent's password
# is `qin-demo`. Limits are raised so the generator, not the rate limiter, sets the pace.

[server]
listen = "127.0.0.1:8080"
key_prefix = "qinload:"
secret = ""
agent_token_ttl_s = 43200
shopper_token_ttl_s = 7776000

[limits]
max_frame_bytes = 16384
max_body_chars = 4000
max_cid_len = 64
# One relay shopper may send thousands of frames a second.
frames_per_s = 100000
frame_burst = 100000
outbox_frames = 4096
open_chats_per_shopper = 3
# Every simulated shopper comes from 127.0.0.1: no flood limits per address.
new_visitors_per_address = 0
chats_per_address = 0

[connections]
# Every socket of a run comes from this machine: lift the per-address caps.
per_address = 1000000
upgrades_per_s = 1000000
upgrade_burst = 1000000
# A storm of arrivals on a loaded machine may take a while to say hello.
hello_timeout_s = 60

[[shops]]
id = "afu"
name = "阿芙精油"
default_group = "lady"
avg_chat_s = 120
bot_name = "阿芙小助手"
away_message = "亲，客服暂时都不在线～您可以先留言，我们上线后第一时间回复您！"

[[shops.groups]]
id = "lady"
name = "淑女组"
tagline = "温柔耐心，细声细语"
greeting = "亲，欢迎光临阿芙～我是淑女组的客服，有什么可以为您效劳的呢？"

[[shops.groups]]
id = "bold"
name = "重口味"
tagline = "直来直去，说话带劲"
greeting = "哟！亲来啦！重口味组在此，有啥问题尽管砸过来！"

[[shops.groups]]
id = "fresh"
name = "小清新"
tagline = "清新自然，像薰衣草一样"
greeting = "亲～小清新组给您泡好了一杯花草茶，慢慢说哦～"

[[shops.groups]]
id = "zany"
name = "疯癫组"
tagline = "脑洞大开，快乐至上"
greeting = "哈哈哈亲终于来了！疯癫组全员已就位！"

[[shops.keywords]]
keywords = ["发货", "shipping"]
reply = "亲，下单后48小时内发货，默认中通快递～"
"#;
