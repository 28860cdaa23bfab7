"""The generated Python bindings: a short offline journey (standard library only)."""
import json
import tempfile
import unittest

import loyalty_ffi as lf

PROGRAM = json.dumps({
    "currency": "RUB", "earn": {"rule": {"percent": "10"}},
    "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}],
})


class BindingsTest(unittest.TestCase):
    def test_journey(self):
        with tempfile.TemporaryDirectory() as d:
            client = lf.LoyaltyClient(lf.ClientConfig(data_dir=d, program_json=PROGRAM))
            self.assertEqual(client.wallet_snapshot(5).balance, 0)
            push = json.dumps({"kind": "offer", "message_id": "m-1", "title": "T", "body": "B", "coupon_amount_off": "100.00"})
            self.assertIsInstance(client.ingest_push(push), lf.PushOutcome.NEW)
            self.assertEqual(client.unread_count(), 1)
            client.activate_offer("m-1")
            self.assertEqual([c.id for c in client.wallet_snapshot(5).coupons], ["offer:m-1"])
            with self.assertRaises(lf.LoyaltyError.Failure) as ctx:
                client.redeem_reward("c1")
            self.assertEqual(ctx.exception.code, "insufficient_points")


if __name__ == "__main__":
    unittest.main()
