//! A minimal HTTP/1.1 client for tests: one request per connection, JSON in and out; with
//! [`HttpRequest`], extra headers and a chosen source address.

use crate::WAIT;
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Body as text.
    pub body: String,
    /// Headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
}

impl HttpResponse {
    /// The value of the header `name` (any case), if there is one.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Sends one request to `addr` (`host:port`) and reads the whole answer.
pub async fn http(
    addr: &str,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> HttpResponse {
    let mut request = HttpRequest::new(method, path);
    if let Some(body) = body {
        request = request.json(body);
    }
    if let Some(token) = bearer {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    request.send(addr).await
}

/// A request to build up, then [`send`](Self::send).
#[derive(Debug, Clone)]
pub struct HttpRequest {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
    from: Option<IpAddr>,
}

impl HttpRequest {
    /// `method path`, no body.
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: String::new(),
            from: None,
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A JSON body.
    #[must_use]
    pub fn json(self, body: &Value) -> Self {
        self.body(&body.to_string())
            .header("Content-Type", "application/json")
    }

    /// A raw body.
    #[must_use]
    pub fn body(mut self, body: &str) -> Self {
        body.clone_into(&mut self.body);
        self
    }

    /// Connects from local address `ip` (e.g. `127.0.0.2`, another loopback address, to
    /// look like a second client).
    #[must_use]
    pub fn from(mut self, ip: IpAddr) -> Self {
        self.from = Some(ip);
        self
    }

    /// Sends it to `addr` (`host:port`) and reads the whole answer.
    pub async fn send(self, addr: &str) -> HttpResponse {
        let (method, path) = (self.method.clone(), self.path.clone());
        let raw = tokio::time::timeout(WAIT, self.exchange(addr))
            .await
            .unwrap_or_else(|_| panic!("{method} {path}: no answer within {WAIT:?}"))
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        parse(&raw, &method, &path)
    }

    async fn exchange(self, addr: &str) -> std::io::Result<String> {
        let Self {
            method,
            path,
            headers,
            body,
            from,
        } = self;
        let mut stream = connect_from(from, addr).await?;
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        stream.write_all(request.as_bytes()).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        Ok(String::from_utf8_lossy(&raw).into_owned())
    }
}

/// A TCP connection to `addr`, from local address `from` if given.
pub async fn connect_from(from: Option<IpAddr>, addr: &str) -> std::io::Result<TcpStream> {
    let Some(local) = from else {
        return TcpStream::connect(addr).await;
    };
    let remote: SocketAddr = tokio::net::lookup_host(addr)
        .await?
        .next()
        .ok_or_else(|| std::io::Error::other(format!("{addr} resolves to nothing")))?;
    let socket = if local.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.bind(SocketAddr::new(local, 0))?;
    socket.connect(remote).await
}

fn parse(raw: &str, method: &str, path: &str) -> HttpResponse {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{method} {path}: not HTTP: {head}"));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    HttpResponse {
        status,
        body,
        headers,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}
