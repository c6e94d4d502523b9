//! SMS through any HTTP gateway, from the configuration alone: a URL template, a method, one
//! authentication header, a body template, and what response means "accepted".

use std::time::Duration;

use crate::config::Config;

/// Fills `{to}`, `{text}` and `{id}` in `template`, each value escaped by `escape`.
fn fill(template: &str, to: &str, text: &str, id: &str, escape: impl Fn(&str) -> String) -> String {
    // One pass, so a value containing "{text}" is not filled again.
    let mut out = String::with_capacity(template.len() + text.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let (value, len) = if after.starts_with("{to}") {
            (Some(to), 4)
        } else if after.starts_with("{text}") {
            (Some(text), 6)
        } else if after.starts_with("{id}") {
            (Some(id), 4)
        } else {
            (None, 1)
        };
        match value {
            Some(value) => out.push_str(&escape(value)),
            None => out.push('{'),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

fn percent(value: &str) -> String {
    serde_urlencoded::to_string([("", value)]).map(|s| s.trim_start_matches('=').to_string()).unwrap_or_default()
}

fn json_escape(value: &str) -> String {
    let quoted = serde_json::to_string(value).expect("strings serialise");
    quoted[1..quoted.len() - 1].to_string()
}

/// Whether `status` is one of the accepted ones: "200-299", "200,202", "201".
pub fn status_accepted(spec: &str, status: u16) -> bool {
    spec.split(',').map(str::trim).any(|part| match part.split_once('-') {
        Some((low, high)) => {
            matches!((low.trim().parse::<u16>(), high.trim().parse::<u16>()), (Ok(l), Ok(h)) if (l..=h).contains(&status))
        }
        None => part.parse::<u16>().is_ok_and(|s| s == status),
    })
}

/// The request the gateway gets for one message.
#[derive(Debug, PartialEq)]
pub struct GatewayRequest {
    /// Method.
    pub method: String,
    /// URL.
    pub url: String,
    /// The authentication header, split.
    pub header: Option<(String, String)>,
    /// Content type and body.
    pub body: Option<(String, String)>,
}

/// Builds the request from the configuration.
pub fn request(config: &Config, to: &str, text: &str, id: &str) -> Result<GatewayRequest, String> {
    let template = config.sms_url.as_deref().ok_or("no SMS gateway is configured (set SWEEP_SMS_URL)")?;
    let url = fill(template, to, text, id, percent);
    let header = match config.sms_auth_header.as_deref() {
        Some(line) => {
            let (name, value) = line.split_once(':').ok_or("SWEEP_SMS_AUTH_HEADER must look like \"Name: value\"")?;
            Some((name.trim().to_string(), value.trim().to_string()))
        }
        None => None,
    };
    let content_type = config.sms_content_type.clone();
    let body = config.sms_body.as_deref().map(|template| {
        let essence = content_type.to_ascii_lowercase();
        let body = if essence.contains("json") {
            fill(template, to, text, id, json_escape)
        } else if essence.contains("x-www-form-urlencoded") {
            fill(template, to, text, id, percent)
        } else {
            fill(template, to, text, id, str::to_string)
        };
        (content_type.clone(), body)
    });
    Ok(GatewayRequest { method: config.sms_method.trim().to_ascii_uppercase(), url, header, body })
}

/// Why a message was not sent.
#[derive(Debug, PartialEq)]
pub enum SendError {
    /// It certainly did not leave (refused, or never reached the relay or gateway): try again.
    NotSent(String),
    /// It may have left (a timeout or a connection lost mid-way): sending again could send it
    /// twice.
    Uncertain(String),
}

/// Sends one SMS.
pub async fn send(client: &reqwest::Client, config: &Config, to: &str, text: &str, id: &str) -> Result<(), SendError> {
    use SendError::*;
    let built = request(config, to, text, id).map_err(|e| NotSent(e.to_string()))?;
    let method = reqwest::Method::from_bytes(built.method.as_bytes())
        .map_err(|_| NotSent(format!("SWEEP_SMS_METHOD {:?} is not an HTTP method", built.method)))?;
    let pattern = match &config.sms_accept_body {
        Some(pattern) => Some(
            regex::Regex::new(pattern)
                .map_err(|e| NotSent(format!("SWEEP_SMS_ACCEPT_BODY is not a regular expression: {e}")))?,
        ),
        None => None,
    };
    let mut request = client.request(method, &built.url).timeout(Duration::from_secs(15));
    if let Some((name, value)) = &built.header {
        request = request.header(name.as_str(), value.as_str());
    }
    if let Some((content_type, body)) = built.body {
        request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(body);
    }
    let response = request.send().await.map_err(|e| {
        if e.is_connect() || e.is_builder() {
            NotSent(format!("the SMS gateway could not be reached: {e}"))
        } else {
            Uncertain(format!("the SMS gateway did not answer in time or the connection broke: {e}"))
        }
    })?;
    let status = response.status().as_u16();
    let body = match response.text().await {
        Ok(body) => body,
        // The status was given, but what the gateway wrote could not be read.
        Err(e) if pattern.is_some() => {
            return Err(Uncertain(format!("the SMS gateway's answer could not be read: {e}")))
        }
        Err(_) => String::new(),
    };
    if !status_accepted(&config.sms_accept_status, status) {
        return Err(NotSent(format!(
            "the SMS gateway answered {status}: {}",
            body.chars().take(200).collect::<String>()
        )));
    }
    if let Some(regex) = pattern {
        if !regex.is_match(&body) {
            return Err(NotSent(format!(
                "the SMS gateway did not accept it: {}",
                body.chars().take(200).collect::<String>()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let mut config = Config::defaults();
        config.sms_url = Some("https://gw.example/send?to={to}&text={text}&ref={id}".into());
        config.sms_auth_header = Some("Authorization: Bearer s3cret".into());
        config.sms_body = Some(r#"{"to":"{to}","message":"{text}"}"#.into());
        config
    }

    #[test]
    fn placeholders_are_escaped_for_where_they_stand() {
        let built = request(&config(), "+79161234567", "Ищем \"Аню\" & {to}", "42").unwrap();
        assert_eq!(
            built.url,
            "https://gw.example/send?to=%2B79161234567&text=%D0%98%D1%89%D0%B5%D0%BC+%22%D0%90%D0%BD%D1%8E%22+%26+%7Bto%7D&ref=42"
        );
        assert_eq!(built.header, Some(("Authorization".into(), "Bearer s3cret".into())));
        let (content_type, body) = built.body.unwrap();
        assert_eq!(content_type, "application/json");
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["message"], "Ищем \"Аню\" & {to}");
        assert_eq!(parsed["to"], "+79161234567");
    }

    #[test]
    fn accepted_statuses() {
        assert!(status_accepted("200-299", 202));
        assert!(!status_accepted("200-299", 400));
        assert!(status_accepted("200, 201", 201));
        assert!(!status_accepted("200,201", 204));
        assert!(!status_accepted("nonsense", 200));
    }
}
