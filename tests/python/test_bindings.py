"""The generated Python bindings: the journey, shorter (standard library only).

The server test needs LOYALTY_SERVER (set by scripts/test-bindings.sh, which
starts the dev server on a free loopback port).
"""
import asyncio
import json
import os
import tempfile
import unittest
import urllib.request

import loyalty_ffi as lf

PROGRAM = json.dumps({
    "currency": "RUB", "earn": {"rule": {"percent": "10"}},
    "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}],
})


class DictSecrets(lf.SecretStore):
    """What an app keeps in its keyring."""

    def __init__(self):
        self.data = {}

    def get(self, key):
        return self.data.get(key)

    def put(self, key, secret):
        self.data[key] = bytes(secret)

    def delete(self, key):
        self.data.pop(key, None)


class Changes(lf.ChangeListener):
    def __init__(self):
        self.areas = []

    def on_change(self, areas):
        self.areas.extend(areas)


def post(server, path, body):
    req = urllib.request.Request(server + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=15) as resp:
        return resp.status


class OfflineTest(unittest.TestCase):
    def test_offline_journey(self):
        with tempfile.TemporaryDirectory() as d:
            client = lf.LoyaltyClient(lf.ClientConfig(data_dir=d, program_json=PROGRAM,
                                                      secret_store=lf.MemorySecretStore()))
            self.assertEqual(client.wallet_snapshot(30, 5).balance, 0)
            changes = Changes()
            sub = client.subscribe(changes)
            push = json.dumps({"kind": "offer", "message_id": "m-1", "title": "T", "body": "B",
                               "coupon_amount_off": "100.00"})
            self.assertIsInstance(client.ingest_push(push), lf.PushOutcome.NEW)
            self.assertEqual(client.unread_count(), 1)
            client.activate_offer("m-1")
            self.assertEqual([c.id for c in client.wallet_snapshot(30, 5).coupons], ["offer:m-1"])
            self.assertEqual(changes.areas, [lf.ChangeArea.INBOX, lf.ChangeArea.INBOX, lf.ChangeArea.WALLET])
            sub.cancel()
            with self.assertRaises(lf.LoyaltyError.Failure) as ctx:
                client.redeem_reward("c1")
            self.assertEqual(ctx.exception.code, "insufficient_points")
            with self.assertRaises(lf.LoyaltyError.Failure) as ctx:
                client.preview_purchase(lf.Cart(lines=[lf.CartLine(sku="A", qty=0, amount_minor=100)]))
            self.assertEqual(ctx.exception.code, "invalid_quantity")

    def test_google_wallet_pass(self):
        with tempfile.TemporaryDirectory() as d:
            client = lf.LoyaltyClient(lf.ClientConfig(data_dir=d, program_json=PROGRAM,
                                                      secret_store=lf.MemorySecretStore()))
            config = lf.WalletPassConfig(
                issuer_id="3388000000012345678", class_suffix="loyalty", object_suffix="m-1",
                issuer_name="Shop", program_name="Club", logo_url="https://example.com/logo.png",
                background_color="#000000", foreground_color="#ffffff", label_color="#cccccc",
                pass_type_id="pass.com.example.club", team_id="ABCDE12345",
                service_account_email="w@p.iam.gserviceaccount.com", origins=[], member_name=None,
                labels=lf.WalletPassLabels(points="Points", tier="Tier", member="Member",
                                           card="Card", description="Loyalty card"))
            with self.assertRaises(lf.LoyaltyError.Failure) as ctx:
                client.google_wallet_pass(config)
            self.assertEqual(ctx.exception.code, "no_card")
            client.enroll_card("4006381333931", "3132333435363738393031323334353637383930")
            google = client.google_wallet_pass(config)
            self.assertEqual(google.object_id, "3388000000012345678.m-1")
            obj = json.loads(google.object_json)
            self.assertEqual(obj["rotatingBarcode"]["valuePattern"], "LOY1:4006381333931:{totp_value_0}")
            self.assertEqual(json.loads(google.claims_json)["payload"]["loyaltyObjects"], [{"id": google.object_id}])
            with self.assertRaises(lf.LoyaltyError.Failure) as ctx:
                client.apple_wallet_pass(config, "not a token")
            self.assertEqual(ctx.exception.code, "pass_token_refused")


@unittest.skipUnless(os.environ.get("LOYALTY_SERVER"), "needs LOYALTY_SERVER (scripts/test-bindings.sh)")
class ServerTest(unittest.TestCase):
    def test_enroll_purchase_sync_redeem(self):
        server = os.environ["LOYALTY_SERVER"]
        with tempfile.TemporaryDirectory() as d:
            secrets = DictSecrets()
            client = lf.LoyaltyClient(lf.ClientConfig(data_dir=d, server_url=server, secret_store=secrets))
            asyncio.run(client.enroll())
            asyncio.run(client.sync())
            payload = client.card_view().payload
            self.assertEqual(post(server, "/v1/pos/purchases", {"payload": payload, "purchase": {
                "receipt_id": "py-1", "lines": [{"sku": "A", "qty": 1, "amount": "1000.00"}]}}), 201)
            report = asyncio.run(client.sync())
            self.assertEqual(report.events_applied, 1)
            self.assertEqual(client.wallet_snapshot(30, 5).balance, 100)
            client.redeem_reward("c20")
            self.assertEqual(client.wallet_snapshot(30, 5).pending_actions, 1)
            report = asyncio.run(client.sync())
            self.assertEqual((report.actions_sent, report.mismatches), (1, []))
            self.assertEqual(client.wallet_snapshot(30, 5).balance, 50)
            out = asyncio.run(client.sign_out())
            self.assertIsNone(out.last_sync_error)
            self.assertEqual(secrets.data, {})


if __name__ == "__main__":
    unittest.main()
