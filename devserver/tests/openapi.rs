//! docs/openapi.yaml, docs/api.md and the dev server agree: every endpoint
//! api.md documents is in the spec and every operation of the spec is in
//! api.md, the dev server serves exactly the spec's paths and methods, and
//! its real answers (enroll, sync, actions, the till, LOY2 keys and
//! credentials, admin calls, errors) validate against the spec's schemas.
//!
//! The schema check is a small hand-written JSON Schema subset (the
//! keywords the spec uses; an unknown keyword fails the test, so the spec
//! cannot silently use one this check skips).

use std::collections::{BTreeMap, BTreeSet};

mod common;
use common::Server;

use chrono::Utc;
use loyalty_core::card::MemorySecretStore;
use loyalty_core::card::loy2::DeviceSigner;
use loyalty_core::card::soft_key::SoftwareSigner;
use loyalty_core::card::{CardConfig, CardService, Secret, secret_from_hex};
use loyalty_till::keys::to_hex;
use serde_json::{Value, json};

const PROGRAM: &str = r#"{"currency": "RUB", "utc_offset": "+03:00",
  "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "c5", "cost": 5, "coupon": {"percent": "5", "valid_days": 30}}],
  "challenges": [{"id": "two", "title": "Two purchases", "goal": {"metric": "purchases", "target": 2}, "reward": {"points": 20}}],
  "badges": [{"id": "first", "title": "First", "goal": {"metric": "purchases", "target": 1}}],
  "bonuses": {"custom": [{"id": "expo", "points": 30, "limit": "once"}]},
  "leaderboards": [{"id": "week", "title": "Points this week", "metric": "points_earned", "period": "week", "top": 3}]}"#;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

fn read(rel: &str) -> String {
    let path = format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn spec() -> Value {
    serde_norway::from_str(&read("docs/openapi.yaml")).expect("docs/openapi.yaml parses")
}

/// (METHOD, path) of every operation in the spec.
fn spec_operations(spec: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            let m = method.to_uppercase();
            assert!(METHODS.contains(&m.as_str()), "{path}: {method}");
            out.insert((m, path.clone()));
        }
    }
    out
}

/// (METHOD, path) of every endpoint named in a heading of api.md.
fn doc_operations() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for line in read("docs/api.md").lines().filter(|l| l.starts_with('#')) {
        for span in line.split('`').skip(1).step_by(2) {
            let Some((method, path)) = span.split_once(' ') else {
                continue;
            };
            if METHODS.contains(&method) && path.starts_with('/') {
                let path = path.split('?').next().unwrap_or(path);
                out.insert((method.to_string(), path.to_string()));
            }
        }
    }
    out
}

/// (METHOD, path) of every `.route(...)` in the dev server's router.
fn router_operations() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for line in read("devserver/src/routes.rs").lines() {
        let Some(rest) = line.trim().strip_prefix(".route(\"") else {
            continue;
        };
        let (path, rest) = rest.split_once('"').expect("route path");
        let method = rest
            .trim_start_matches([',', ' '])
            .split('(')
            .next()
            .expect("route method");
        out.insert((method.to_uppercase(), path.to_string()));
    }
    out
}

#[test]
fn the_spec_and_api_md_name_the_same_endpoints() {
    let spec = spec();
    assert_eq!(spec["openapi"], "3.1.0");
    let in_spec = spec_operations(&spec);
    let in_doc = doc_operations();
    assert!(in_doc.len() >= 10, "api.md headings: {in_doc:?}");
    let missing: Vec<_> = in_doc.difference(&in_spec).collect();
    let extra: Vec<_> = in_spec.difference(&in_doc).collect();
    assert!(
        missing.is_empty(),
        "in api.md, not in openapi.yaml: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "in openapi.yaml, not in api.md: {extra:?}"
    );
}

#[test]
fn the_dev_server_serves_exactly_the_spec() {
    let spec = spec();
    let in_spec = spec_operations(&spec);
    assert_eq!(router_operations(), in_spec, "devserver/src/routes.rs");
    // And live: each path answers 405 to a method it does not take, with an
    // `Allow` header of exactly the spec's methods.
    let server = Server::start(PROGRAM, 0.0);
    let mut by_path: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (m, p) in &in_spec {
        by_path.entry(p).or_default().insert(m);
    }
    for (path, methods) in by_path {
        let request = format!(
            "DELETE {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        );
        let (status, head, body) = server.raw(request.as_bytes());
        assert_eq!(status, 405, "DELETE {path}: {body}");
        let allow = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .starts_with("allow:")
                    .then(|| l[6..].to_string())
            })
            .unwrap_or_else(|| panic!("DELETE {path}: no Allow header in {head}"));
        let allowed: BTreeSet<&str> = allow
            .split(',')
            .map(str::trim)
            .filter(|m| *m != "HEAD")
            .collect();
        assert_eq!(allowed, methods, "{path}: Allow {allow}");
        let body: Value = serde_json::from_str(&body).expect("JSON error body");
        check_against(&spec, "#/components/schemas/ErrorResponse", &body);
    }
}

/// The small JSON Schema subset docs/openapi.yaml uses.
struct Validator<'a> {
    root: &'a Value,
    patterns: std::cell::RefCell<BTreeMap<String, regex::Regex>>,
}

impl<'a> Validator<'a> {
    fn new(root: &'a Value) -> Self {
        Self {
            root,
            patterns: Default::default(),
        }
    }

    fn pointer(&self, reference: &str) -> &'a Value {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("only local $refs: {reference}"));
        self.root
            .pointer(pointer)
            .unwrap_or_else(|| panic!("unresolved $ref {reference}"))
    }

    fn errors(&self, schema: &Value, v: &Value, at: &str) -> Vec<String> {
        let mut errs = Vec::new();
        self.check(schema, v, at, &mut errs);
        errs
    }

    fn check(&self, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
        let Some(s) = schema.as_object() else {
            panic!("schema at {at} is not an object: {schema}");
        };
        for (kw, arg) in s {
            match kw.as_str() {
                "description" | "title" | "example" | "examples" => {}
                "$ref" => self.check(self.pointer(arg.as_str().expect("$ref")), v, at, errs),
                "allOf" => {
                    for sub in arg.as_array().expect("allOf") {
                        self.check(sub, v, at, errs);
                    }
                }
                "oneOf" | "anyOf" => {
                    let subs = arg.as_array().expect(kw);
                    let results: Vec<_> = subs.iter().map(|s| self.errors(s, v, at)).collect();
                    let ok = results.iter().filter(|e| e.is_empty()).count();
                    if ok == 0 || (kw == "oneOf" && ok > 1) {
                        errs.push(format!(
                            "{at}: {kw} matched {ok} of {} ({results:?})",
                            subs.len()
                        ));
                    }
                }
                "type" => {
                    let types: Vec<&str> = match arg {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                        _ => panic!("type at {at}: {arg}"),
                    };
                    if !types.iter().any(|t| is_type(v, t)) {
                        errs.push(format!("{at}: {v} is not {types:?}"));
                    }
                }
                "const" => {
                    if v != arg {
                        errs.push(format!("{at}: {v} is not {arg}"));
                    }
                }
                "enum" => {
                    if !arg.as_array().expect("enum").contains(v) {
                        errs.push(format!("{at}: {v} is not one of {arg}"));
                    }
                }
                "pattern" => {
                    if let Some(text) = v.as_str() {
                        let p = arg.as_str().expect("pattern");
                        let mut cache = self.patterns.borrow_mut();
                        let re = cache
                            .entry(p.to_string())
                            .or_insert_with(|| regex::Regex::new(p).expect("pattern compiles"));
                        if !re.is_match(text) {
                            errs.push(format!("{at}: {text:?} does not match {p}"));
                        }
                    }
                }
                "minLength" | "maxLength" => {
                    if let Some(text) = v.as_str() {
                        let n = text.chars().count() as u64;
                        let bound = arg.as_u64().expect(kw);
                        if (kw == "minLength" && n < bound) || (kw == "maxLength" && n > bound) {
                            errs.push(format!("{at}: length {n} breaks {kw} {bound}"));
                        }
                    }
                }
                "minimum" | "maximum" => {
                    if let (Some(n), Some(bound)) = (v.as_f64(), arg.as_f64()) {
                        if (kw == "minimum" && n < bound) || (kw == "maximum" && n > bound) {
                            errs.push(format!("{at}: {n} breaks {kw} {bound}"));
                        }
                    }
                }
                "items" => {
                    if let Some(items) = v.as_array() {
                        for (i, item) in items.iter().enumerate() {
                            self.check(arg, item, &format!("{at}[{i}]"), errs);
                        }
                    }
                }
                "minItems" | "maxItems" => {
                    if let Some(items) = v.as_array() {
                        let n = items.len() as u64;
                        let bound = arg.as_u64().expect(kw);
                        if (kw == "minItems" && n < bound) || (kw == "maxItems" && n > bound) {
                            errs.push(format!("{at}: {n} items break {kw} {bound}"));
                        }
                    }
                }
                "minProperties" | "maxProperties" => {
                    if let Some(o) = v.as_object() {
                        let n = o.len() as u64;
                        let bound = arg.as_u64().expect(kw);
                        if (kw == "minProperties" && n < bound)
                            || (kw == "maxProperties" && n > bound)
                        {
                            errs.push(format!("{at}: {n} properties break {kw} {bound}"));
                        }
                    }
                }
                "required" => {
                    if let Some(o) = v.as_object() {
                        for name in arg.as_array().expect("required") {
                            let name = name.as_str().expect("required name");
                            if !o.contains_key(name) {
                                errs.push(format!("{at}: missing {name}"));
                            }
                        }
                    }
                }
                "properties" => {
                    if let Some(o) = v.as_object() {
                        for (name, sub) in arg.as_object().expect("properties") {
                            if let Some(value) = o.get(name) {
                                self.check(sub, value, &format!("{at}.{name}"), errs);
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    if let Some(o) = v.as_object() {
                        let known = s.get("properties").and_then(Value::as_object);
                        for (name, value) in o {
                            if known.is_some_and(|k| k.contains_key(name)) {
                                continue;
                            }
                            match arg {
                                Value::Bool(false) => {
                                    errs.push(format!("{at}: unexpected field {name}"))
                                }
                                Value::Bool(true) => {}
                                sub => self.check(sub, value, &format!("{at}.{name}"), errs),
                            }
                        }
                    }
                }
                "propertyNames" => {
                    if let Some(o) = v.as_object() {
                        for name in o.keys() {
                            self.check(arg, &json!(name), &format!("{at} key {name}"), errs);
                        }
                    }
                }
                other => panic!("the schema check does not know `{other}` (at {at})"),
            }
        }
    }
}

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        other => panic!("unknown type {other}"),
    }
}

fn check_against(spec: &Value, reference: &str, body: &Value) {
    let validator = Validator::new(spec);
    let errs = validator.errors(&json!({"$ref": reference}), body, "$");
    assert!(errs.is_empty(), "{reference}: {errs:#?}\n{body:#}");
}

/// Validates real answers against the spec and records which operations
/// and statuses were seen.
struct Checker<'a> {
    spec: &'a Value,
    server: &'a Server,
    seen: BTreeSet<(String, String, u16)>,
}

impl<'a> Checker<'a> {
    /// A checker of `server`'s answers against `spec`, with nothing seen yet.
    fn new(spec: &'a Value, server: &'a Server) -> Self {
        Self {
            spec,
            server,
            seen: BTreeSet::new(),
        }
    }

    /// Calls the dev server and validates its answer against the response
    /// schema the spec gives for this operation and status.
    fn call(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (status, text) = self.server.call(method, path, token, body.as_ref());
        let answer: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {path} {status}: not JSON ({e}): {text}"));
        let route = path.split('?').next().unwrap_or(path);
        self.validate(method, route, status, &answer);
        (status, answer)
    }

    fn validate(&mut self, method: &str, route: &str, status: u16, answer: &Value) {
        let op = &self.spec["paths"][route][method.to_lowercase()];
        assert!(op.is_object(), "{method} {route} is not in the spec");
        let mut response = &op["responses"][status.to_string()];
        assert!(
            response.is_object(),
            "{method} {route}: status {status} is not in the spec ({answer})"
        );
        if let Some(r) = response.get("$ref").and_then(Value::as_str) {
            response = Validator::new(self.spec).pointer(r);
        }
        let schema = &response["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {route} {status}: no JSON schema"
        );
        let errs = Validator::new(self.spec).errors(schema, answer, "$");
        assert!(
            errs.is_empty(),
            "{method} {route} {status} does not match the spec: {errs:#?}\n{answer:#}"
        );
        self.seen
            .insert((method.to_string(), route.to_string(), status));
    }
}

fn payload(card: &str, secret_hex: &str, at: chrono::DateTime<Utc>) -> String {
    let secret = Secret::new(secret_from_hex(secret_hex).unwrap()).unwrap();
    CardService::new(CardConfig::default(), card, secret, 0)
        .unwrap()
        .payload(at)
        .unwrap()
}

#[test]
fn real_answers_validate_against_the_spec() {
    let spec = spec();
    let server = Server::start(PROGRAM, 0.0);
    let mut c = Checker::new(&spec, &server);

    // Enroll, and an empty first sync.
    let (status, me) = c.call("POST", "/v1/enroll", None, Some(json!({})));
    assert_eq!(status, 201);
    let token = me["access_token"].as_str().unwrap().to_string();
    let card = me["card_number"].as_str().unwrap().to_string();
    let secret = me["card_secret_hex"].as_str().unwrap().to_string();
    let member = me["member_id"].as_str().unwrap().to_string();
    let t = Some(token.as_str());
    assert_eq!(c.call("GET", "/v1/me/sync", t, None).0, 200);

    // The till: applied, repeated, replayed, duplicate receipt, bad code, bad amount.
    let now = Utc::now();
    let receipt = json!({"receipt_id": "r1", "lines": [{"sku": "A", "category": "sport", "qty": 1, "amount": "150.00"}]});
    let code = payload(&card, &secret, now);
    let body = json!({"payload": code, "purchase": receipt});
    assert_eq!(
        c.call("POST", "/v1/pos/purchases", None, Some(body.clone()))
            .0,
        201
    );
    assert_eq!(c.call("POST", "/v1/pos/purchases", None, Some(body)).0, 200);
    let replay = json!({"payload": code, "purchase": {"receipt_id": "r2", "lines": [{"sku": "A", "qty": 1, "amount": "1.00"}]}});
    let (status, r) = c.call("POST", "/v1/pos/purchases", None, Some(replay));
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (422, Some("token_replayed"))
    );
    let next = payload(&card, &secret, now + chrono::Duration::seconds(30));
    let other_lines = json!({"payload": next, "purchase": {"receipt_id": "r1", "lines": [{"sku": "B", "qty": 1, "amount": "9.00"}]}});
    let (status, r) = c.call("POST", "/v1/pos/purchases", None, Some(other_lines));
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (409, Some("duplicate_receipt"))
    );
    let bad_amount = json!({"payload": next, "purchase": {"receipt_id": "r3", "lines": [{"sku": "B", "qty": 1, "amount": "1.234"}]}});
    assert_eq!(
        c.call("POST", "/v1/pos/purchases", None, Some(bad_amount))
            .0,
        400
    );
    let garbage = json!({"payload": "garbage", "purchase": {"receipt_id": "r4", "lines": [{"sku": "B", "qty": 1, "amount": "1.00"}]}});
    assert_eq!(
        c.call("POST", "/v1/pos/purchases", None, Some(garbage)).0,
        422
    );

    // Admin: an offer, a bonus, an unknown member.
    let offer = json!({"kind": "offer", "message_id": "o-1", "title": "15% off", "body": "Show your card", "coupon_percent": "15"});
    assert_eq!(
        c.call(
            "POST",
            "/v1/admin/offers",
            None,
            Some(json!({"message": offer}))
        )
        .0,
        201
    );
    let (status, _) = c.call(
        "POST",
        "/v1/admin/offers",
        None,
        Some(json!({"message": {"kind": "offer", "message_id": ""}})),
    );
    assert_eq!(status, 400);
    let (status, _) = c.call(
        "POST",
        "/v1/admin/bonuses",
        None,
        Some(json!({"member_id": member, "kind": "expo"})),
    );
    assert_eq!(status, 201);
    let (status, _) = c.call(
        "POST",
        "/v1/admin/bonuses",
        None,
        Some(json!({"member_id": member, "kind": "expo"})),
    );
    assert_eq!(status, 409);
    let (status, _) = c.call(
        "POST",
        "/v1/admin/bonuses",
        None,
        Some(json!({"member_id": "m-none", "kind": "welcome"})),
    );
    assert_eq!(status, 404);

    // Actions: applied, duplicate, rejected, reused key, the board.
    let batch = json!({"actions": [
        {"idempotency_key": "k-join", "action": {"join_challenge": {"challenge_id": "two"}}},
        {"idempotency_key": "k-redeem", "action": {"redeem_reward": {"reward_id": "c5", "coupon_id": "cp-1"}}},
        {"idempotency_key": "k-read", "action": {"inbox_read": {"message_id": "o-1"}}},
        {"idempotency_key": "k-bad", "action": {"redeem_reward": {"reward_id": "nope", "coupon_id": "cp-2"}}},
        {"idempotency_key": "k-board", "action": {"join_leaderboard": {"name": "Anna K."}}}]});
    let (status, first) = c.call("POST", "/v1/me/actions", t, Some(batch.clone()));
    assert_eq!(status, 200);
    let (_, again) = c.call("POST", "/v1/me/actions", t, Some(batch));
    assert_eq!(
        again["results"][1]["status"], "duplicate",
        "{first} {again}"
    );
    let reused = json!({"actions": [{"idempotency_key": "k-redeem", "action": {"join_challenge": {"challenge_id": "two"}}}]});
    let (_, r) = c.call("POST", "/v1/me/actions", t, Some(reused));
    assert_eq!(r["results"][0]["error"]["code"], "idempotency_key_reused");
    let bad_key =
        json!({"actions": [{"idempotency_key": "", "action": {"leave_leaderboard": {}}}]});
    assert_eq!(c.call("POST", "/v1/me/actions", t, Some(bad_key)).0, 400);
    let ret =
        json!({"payload": next, "return": {"receipt_id": "r1", "lines": [{"sku": "A", "qty": 1}]}});
    assert_eq!(c.call("POST", "/v1/pos/returns", None, Some(ret)).0, 201);

    // Sync pages with events, messages, program, digest and boards; paging.
    let (_, page) = c.call("GET", "/v1/me/sync?limit=1", t, None);
    assert_eq!(page["has_more"], true);
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let version = page["program"]["version"].as_str().unwrap().to_string();
    c.call(
        "GET",
        &format!("/v1/me/sync?cursor={cursor}&program_version={version}"),
        t,
        None,
    );
    let (_, full) = c.call("GET", "/v1/me/sync", t, None);
    assert!(
        full["leaderboards"].is_array() && !full["messages"].as_array().unwrap().is_empty(),
        "{full}"
    );
    assert_eq!(c.call("GET", "/v1/me/sync?limit=abc", t, None).0, 400);
    assert_eq!(c.call("GET", "/v1/me/sync?cursor=zzz", t, None).0, 400);
    assert_eq!(c.call("GET", "/v1/me/sync", None, None).0, 401);
    assert_eq!(
        c.call("GET", "/v1/me/sync", Some("not-a-token"), None).0,
        401
    );

    // LOY2 keys and credentials.
    assert_eq!(c.call("GET", "/v1/card/keys", None, None).0, 200);
    let signer = SoftwareSigner::load_or_create(&MemorySecretStore::default()).unwrap();
    let device_key = to_hex(&signer.public_key().unwrap());
    let (status, cred) = c.call(
        "POST",
        "/v1/me/card/credential",
        t,
        Some(json!({"device_key": device_key})),
    );
    assert_eq!(status, 201);
    assert_eq!(
        c.call(
            "POST",
            "/v1/me/card/credential",
            t,
            Some(json!({"wallet_pass": true}))
        )
        .0,
        201
    );
    assert_eq!(
        c.call(
            "POST",
            "/v1/me/card/credential",
            t,
            Some(json!({"device_key": "02ff"}))
        )
        .0,
        400
    );
    assert_eq!(
        c.call(
            "POST",
            "/v1/me/card/credential",
            None,
            Some(json!({"wallet_pass": true}))
        )
        .0,
        401
    );
    assert_eq!(
        c.call("POST", "/v1/admin/card/keys/rotate", None, Some(json!({})))
            .0,
        201
    );
    let serial = cred["serial"].clone();
    assert_eq!(
        c.call(
            "POST",
            "/v1/admin/card/revoke",
            None,
            Some(json!({"serial": serial}))
        )
        .0,
        200
    );
    assert_eq!(
        c.call(
            "POST",
            "/v1/admin/card/revoke",
            None,
            Some(json!({"serial": 999999}))
        )
        .0,
        404
    );
    assert_eq!(
        c.call("POST", "/v1/admin/card/revoke", None, Some(json!({})))
            .0,
        400
    );

    // The HTTP layer's refusals answer in the error shape too.
    let (status, text) = server.post_as("/v1/me/actions", "text/plain", "{}");
    assert_eq!(status, 415);
    c.validate(
        "POST",
        "/v1/me/actions",
        status,
        &serde_json::from_str(&text).unwrap(),
    );
    let big = format!("{{\"actions\": [], \"pad\": \"{}\"}}", "x".repeat(3 << 20));
    let (status, text) = server.post_as("/v1/admin/offers", "application/json", &big);
    assert_eq!(status, 413);
    c.validate(
        "POST",
        "/v1/admin/offers",
        status,
        &serde_json::from_str(&text).unwrap(),
    );
    let (status, nope) = server.json("GET", "/v1/nope", None, None);
    assert_eq!(status, 404);
    check_against(&spec, "#/components/schemas/ErrorResponse", &nope);

    // Every operation was seen answering a success.
    for (method, path) in spec_operations(&spec) {
        assert!(
            c.seen
                .iter()
                .any(|(m, p, s)| *m == method && *p == path && *s < 300),
            "{method} {path}: no success validated"
        );
    }
}

/// A SEC1 compressed device key of either parity is a key the server takes.
#[test]
fn compressed_device_keys_of_both_parities_get_credentials() {
    let spec = spec();
    let server = Server::start(PROGRAM, 0.0);
    let mut c = Checker::new(&spec, &server);
    let (_, me) = c.call("POST", "/v1/enroll", None, Some(json!({})));
    let t = me["access_token"].as_str().map(str::to_string);
    let mut prefixes = BTreeSet::new();
    for _ in 0..64 {
        let signer = SoftwareSigner::load_or_create(&MemorySecretStore::default()).unwrap();
        let key = to_hex(&signer.public_key().unwrap());
        if !prefixes.insert(key[..2].to_string()) {
            continue;
        }
        for text in [key.clone(), key.to_uppercase()] {
            let (status, r) = c.call(
                "POST",
                "/v1/me/card/credential",
                t.as_deref(),
                Some(json!({"device_key": text})),
            );
            assert_eq!(status, 201, "{text}: {r}");
        }
        if prefixes.len() == 2 {
            return;
        }
    }
    panic!("64 random keys all had one parity: {prefixes:?}");
}

/// Key ids are one byte: past kid 255 a rotation is refused with a code,
/// not a server fault, and the live keys stay as they were.
#[test]
fn key_ids_past_255_are_refused_with_a_conflict() {
    let spec = spec();
    let server = Server::start(PROGRAM, 0.0);
    let mut c = Checker::new(&spec, &server);
    for kid in 2..=255 {
        let (status, r) = c.call("POST", "/v1/admin/card/keys/rotate", None, Some(json!({})));
        assert_eq!((status, r["new_kid"].as_u64()), (201, Some(kid)));
    }
    let (status, r) = c.call("POST", "/v1/admin/card/keys/rotate", None, Some(json!({})));
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (409, Some("key_ids_exhausted")),
        "{r}"
    );
    let (_, keys) = c.call("GET", "/v1/card/keys", None, None);
    let kids: Vec<_> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].clone())
        .collect();
    assert_eq!(kids, vec![json!(253), json!(254), json!(255)]);
}

/// `POST /v1/enroll` and the key rotation take `{}` (or no body): a field,
/// or a body that is not an object, is `400 bad_request` like on every
/// other endpoint, and nothing is created (schemathesis found both taking
/// anything).
#[test]
fn bodiless_posts_refuse_fields() {
    let spec = spec();
    let server = Server::start(PROGRAM, 0.0);
    let mut c = Checker::new(&spec, &server);
    for path in ["/v1/enroll", "/v1/admin/card/keys/rotate"] {
        for body in [json!({"x": 42}), json!([]), json!("{}"), json!(null)] {
            let (status, r) = c.call("POST", path, None, Some(body.clone()));
            assert_eq!(
                (status, r["error"]["code"].as_str()),
                (400, Some("bad_request")),
                "{path} {body}"
            );
        }
        assert_eq!(
            server.post_as(path, "application/json", "").0,
            201,
            "{path}: no body"
        );
    }
    let (_, keys) = c.call("GET", "/v1/card/keys", None, None);
    assert_eq!(
        keys["keys"].as_array().map(Vec::len),
        Some(2),
        "one rotation: {keys}"
    );
}
