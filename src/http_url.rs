//! The http(s) URLs the values carry (registry mirrors, proxies), parsed by the `http`
//! crate's RFC 3986 `Uri` rather than by hand, so validation and rendering read a URL
//! the same way.

use http::Uri;

/// An absolute `http://` or `https://` URL with a host.
#[derive(Debug)]
pub struct HttpUrl {
    uri: Uri,
}

impl HttpUrl {
    /// `None` for anything but an absolute http(s) URL with a non-empty host.
    pub fn parse(text: &str) -> Option<HttpUrl> {
        let uri: Uri = text.parse().ok()?;
        let scheme = uri.scheme_str()?;
        if scheme != "http" && scheme != "https" {
            return None;
        }
        uri.host().filter(|host| !host.is_empty())?;
        Some(HttpUrl { uri })
    }

    pub fn is_plain_http(&self) -> bool {
        self.uri.scheme_str() == Some("http")
    }

    /// `user[:password]@` is part of the URL (a proxy may carry it).
    pub fn has_user_info(&self) -> bool {
        self.uri
            .authority()
            .is_some_and(|authority| authority.as_str().contains('@'))
    }

    /// Whether a segment of the path is `v2`: the URL names the registry API's root
    /// itself (a Harbor proxy cache's `/v2/docker-hub`), not a host or a prefix below
    /// which containerd adds `/v2`.
    pub fn path_has_api_root(&self) -> bool {
        self.uri.path().split('/').any(|segment| segment == "v2")
    }

    /// `host[:port]`, without user information: what Go's `url.URL.Host` holds and
    /// what containerd keys a registry host by.
    pub fn host_port(&self) -> String {
        let host = self.uri.host().unwrap_or_default();
        match self.uri.port_u16() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HttpUrl;

    #[test]
    fn reads_hosts_ports_and_user_info() {
        let url = HttpUrl::parse("https://harbor.example.com:8443/v2/docker-hub").unwrap();
        assert_eq!(url.host_port(), "harbor.example.com:8443");
        assert!(!url.is_plain_http() && !url.has_user_info());
        let proxy = HttpUrl::parse("http://user:secret@proxy.local:3128").unwrap();
        assert_eq!(proxy.host_port(), "proxy.local:3128");
        assert!(proxy.is_plain_http() && proxy.has_user_info());
        assert_eq!(
            HttpUrl::parse("https://[fd00::1]:5000")
                .unwrap()
                .host_port(),
            "[fd00::1]:5000"
        );
    }

    #[test]
    fn refuses_what_is_not_an_absolute_http_url() {
        for text in [
            "proxy.local:3128",
            "ftp://mirror.local",
            "https://",
            "https:///path",
            "https://mirror local",
            "",
        ] {
            assert!(HttpUrl::parse(text).is_none(), "{text}");
        }
    }
}
