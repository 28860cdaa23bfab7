//! The published field names of Google Wallet's and Apple Wallet's JSON
//! types, as allow-lists, and a walk that reports every key of a generated
//! pass not documented for its type.

use serde_json::Value;

/// One JSON object type of a reference: its documented keys, and the type
/// of each key whose value is an object (or an array of objects).
pub struct Kind {
    pub keys: &'static [&'static str],
    pub children: &'static [(&'static str, &'static str)],
}

/// Documented keys per Google Wallet type. Deprecated keys (`kind`,
/// `version`, `infoModuleData`, `locations`, `wordMark`,
/// `allowMultipleUsersPerObject`, `ImageUri.description`) are left out on
/// purpose, and so is `LoyaltyObject.barcode`: the object must rotate its
/// code, never carry a static one.
///
/// - <https://developers.google.com/wallet/reference/rest/v1/loyaltyclass>
/// - <https://developers.google.com/wallet/reference/rest/v1/loyaltyobject>
/// - <https://developers.google.com/wallet/reference/rest/v1/RotatingBarcode>
///   (`TotpDetails`, `TotpParameters`)
/// - <https://developers.google.com/wallet/reference/rest/v1/PassConstraints>
/// - <https://developers.google.com/wallet/reference/rest/v1/Image>,
///   `ImageUri`, `LocalizedString`, `TranslatedString`, `TextModuleData`
/// - <https://developers.google.com/wallet/reference/rest/v1/Jwt>
pub fn google(kind: &str) -> Kind {
    const LOCALIZED: &str = "LocalizedString";
    match kind {
        "LoyaltyClass" => Kind {
            keys: &[
                "accountIdLabel",
                "accountNameLabel",
                "appLinkData",
                "callbackOptions",
                "classTemplateInfo",
                "countryCode",
                "discoverableProgram",
                "enableSmartTap",
                "heroImage",
                "hexBackgroundColor",
                "homepageUri",
                "id",
                "imageModulesData",
                "issuerName",
                "linksModuleData",
                "localizedAccountIdLabel",
                "localizedAccountNameLabel",
                "localizedIssuerName",
                "localizedProgramName",
                "localizedRewardsTier",
                "localizedRewardsTierLabel",
                "localizedSecondaryRewardsTier",
                "localizedSecondaryRewardsTierLabel",
                "merchantLocations",
                "messages",
                "multipleDevicesAndHoldersAllowedStatus",
                "notifyPreference",
                "programLogo",
                "programName",
                "redemptionIssuers",
                "review",
                "reviewStatus",
                "rewardsTier",
                "rewardsTierLabel",
                "secondaryRewardsTier",
                "secondaryRewardsTierLabel",
                "securityAnimation",
                "textModulesData",
                "valueAddedModuleData",
                "viewUnlockRequirement",
                "wideProgramLogo",
            ],
            children: &[
                ("programLogo", "Image"),
                ("heroImage", "Image"),
                ("wideProgramLogo", "Image"),
                ("textModulesData", "TextModuleData"),
                ("localizedIssuerName", LOCALIZED),
                ("localizedProgramName", LOCALIZED),
            ],
        },
        "LoyaltyObject" => Kind {
            keys: &[
                "accountId",
                "accountName",
                "appLinkData",
                "classId",
                "classReference",
                "disableExpirationNotification",
                "groupingInfo",
                "hasLinkedDevice",
                "hasUsers",
                "heroImage",
                "id",
                "imageModulesData",
                "linkedObjectIds",
                "linkedOfferIds",
                "linksModuleData",
                "loyaltyPoints",
                "merchantLocations",
                "messages",
                "notifyPreference",
                "passConstraints",
                "rotatingBarcode",
                "saveRestrictions",
                "secondaryLoyaltyPoints",
                "smartTapRedemptionValue",
                "state",
                "textModulesData",
                "validTimeInterval",
                "valueAddedModuleData",
            ],
            children: &[
                ("loyaltyPoints", "LoyaltyPoints"),
                ("secondaryLoyaltyPoints", "LoyaltyPoints"),
                ("rotatingBarcode", "RotatingBarcode"),
                ("passConstraints", "PassConstraints"),
                ("textModulesData", "TextModuleData"),
                ("heroImage", "Image"),
            ],
        },
        "LoyaltyPoints" => Kind {
            keys: &["balance", "label", "localizedLabel"],
            children: &[
                ("balance", "LoyaltyPointsBalance"),
                ("localizedLabel", LOCALIZED),
            ],
        },
        "LoyaltyPointsBalance" => Kind {
            keys: &["double", "int", "money", "string"],
            children: &[],
        },
        "RotatingBarcode" => Kind {
            keys: &[
                "alternateText",
                "initialRotatingBarcodeValues",
                "renderEncoding",
                "showCodeText",
                "totpDetails",
                "type",
                "valuePattern",
            ],
            children: &[("totpDetails", "TotpDetails"), ("showCodeText", LOCALIZED)],
        },
        "TotpDetails" => Kind {
            keys: &["algorithm", "parameters", "periodMillis"],
            children: &[("parameters", "TotpParameters")],
        },
        "TotpParameters" => Kind {
            keys: &["key", "valueLength"],
            children: &[],
        },
        "PassConstraints" => Kind {
            keys: &["nfcConstraint", "screenshotEligibility"],
            children: &[],
        },
        "Image" => Kind {
            keys: &["contentDescription", "privateImageId", "sourceUri"],
            children: &[("sourceUri", "ImageUri"), ("contentDescription", LOCALIZED)],
        },
        "ImageUri" => Kind {
            keys: &["localizedDescription", "uri"],
            children: &[],
        },
        "TextModuleData" => Kind {
            keys: &["body", "header", "id", "localizedBody", "localizedHeader"],
            children: &[("localizedBody", LOCALIZED), ("localizedHeader", LOCALIZED)],
        },
        "LocalizedString" => Kind {
            keys: &["defaultValue", "translatedValues"],
            children: &[
                ("defaultValue", "TranslatedString"),
                ("translatedValues", "TranslatedString"),
            ],
        },
        "TranslatedString" => Kind {
            keys: &["language", "value"],
            children: &[],
        },
        "Jwt" => Kind {
            keys: &["aud", "iat", "iss", "origins", "payload", "typ"],
            children: &[("payload", "JwtPayload")],
        },
        // The JWT's payload: the `Resources` lists of classes and objects.
        "JwtPayload" => Kind {
            keys: &[
                "eventTicketClasses",
                "eventTicketObjects",
                "flightClasses",
                "flightObjects",
                "genericClasses",
                "genericObjects",
                "giftCardClasses",
                "giftCardObjects",
                "loyaltyClasses",
                "loyaltyObjects",
                "offerClasses",
                "offerObjects",
                "transitClasses",
                "transitObjects",
            ],
            children: &[
                ("loyaltyObjects", "LoyaltyObject"),
                ("loyaltyClasses", "LoyaltyClass"),
            ],
        },
        other => panic!("no reference kind {other}"),
    }
}

/// Documented keys per Apple Wallet type (the deprecated `barcode` left out).
///
/// - <https://developer.apple.com/documentation/walletpasses/pass>
/// - <https://developer.apple.com/documentation/walletpasses/passfields>
/// - <https://developer.apple.com/documentation/walletpasses/passfieldcontent>
/// - <https://developer.apple.com/documentation/walletpasses/pass/barcodes-data.dictionary>
pub fn apple(kind: &str) -> Kind {
    const FIELD: &str = "PassFieldContent";
    match kind {
        "Pass" => Kind {
            keys: &[
                "appLaunchURL",
                "associatedStoreIdentifiers",
                "authenticationToken",
                "backgroundColor",
                "barcodes",
                "beacons",
                "boardingPass",
                "coupon",
                "description",
                "eventTicket",
                "expirationDate",
                "foregroundColor",
                "formatVersion",
                "generic",
                "groupingIdentifier",
                "labelColor",
                "locations",
                "logoText",
                "maxDistance",
                "nfc",
                "organizationName",
                "passTypeIdentifier",
                "relevantDate",
                "semantics",
                "serialNumber",
                "sharingProhibited",
                "storeCard",
                "suppressStripShine",
                "teamIdentifier",
                "userInfo",
                "voided",
                "webServiceURL",
            ],
            children: &[("storeCard", "PassFields"), ("barcodes", "Barcodes")],
        },
        "PassFields" => Kind {
            keys: &[
                "auxiliaryFields",
                "backFields",
                "headerFields",
                "primaryFields",
                "secondaryFields",
            ],
            children: &[
                ("auxiliaryFields", FIELD),
                ("backFields", FIELD),
                ("headerFields", FIELD),
                ("primaryFields", FIELD),
                ("secondaryFields", FIELD),
            ],
        },
        "PassFieldContent" => Kind {
            keys: &[
                "attributedValue",
                "changeMessage",
                "currencyCode",
                "dataDetectorTypes",
                "dateStyle",
                "ignoresTimeZone",
                "isRelative",
                "key",
                "label",
                "numberStyle",
                "semantics",
                "textAlignment",
                "timeStyle",
                "value",
            ],
            children: &[],
        },
        "Barcodes" => Kind {
            keys: &["altText", "format", "message", "messageEncoding"],
            children: &[],
        },
        other => panic!("no reference kind {other}"),
    }
}

/// Every key of `value`, at every depth, must be documented for its type.
pub fn undocumented(value: &Value, kind: &str, path: &str, spec: fn(&str) -> Kind) -> Vec<String> {
    let mut found = Vec::new();
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                found.extend(undocumented(item, kind, &format!("{path}[{i}]"), spec));
            }
        }
        Value::Object(map) => {
            let k = spec(kind);
            for (key, child) in map {
                if !k.keys.contains(&key.as_str()) {
                    found.push(format!("{path}.{key} is not a documented {kind} field"));
                    continue;
                }
                let nested = child.is_object()
                    || child
                        .as_array()
                        .is_some_and(|a| a.iter().any(Value::is_object));
                match k.children.iter().find(|(name, _)| name == key) {
                    Some((_, child_kind)) => {
                        found.extend(undocumented(
                            child,
                            child_kind,
                            &format!("{path}.{key}"),
                            spec,
                        ));
                    }
                    None if nested => found.push(format!(
                        "{path}.{key} holds an object this test has no reference type for"
                    )),
                    None => {}
                }
            }
        }
        _ => {}
    }
    found
}
