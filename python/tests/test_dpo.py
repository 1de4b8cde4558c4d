"""DPO loss on cases small enough to compute by hand: python -m unittest discover -s python/tests"""
import math
import unittest

import jax
import jax.numpy as jnp

from strawberry_local.dpo import dpo_loss, sequence_logprob


class DpoLoss(unittest.TestCase):
    def test_hand_computed_value(self):
        # policy log-ratios: chosen -1 - (-1.5) = 0.5, rejected -2 - (-1.5) = -0.5; beta 1: margin 1.
        loss, margin = dpo_loss(jnp.array([-1.0]), jnp.array([-2.0]), jnp.array([-1.5]), jnp.array([-1.5]), 1.0)
        self.assertAlmostEqual(float(margin), 1.0, places=6)
        self.assertAlmostEqual(float(loss), math.log(1 + math.exp(-1.0)), places=6)  # 0.313262

    def test_equal_policy_and_reference_is_log2(self):
        loss, margin = dpo_loss(jnp.array([-3.0]), jnp.array([-4.0]), jnp.array([-3.0]), jnp.array([-4.0]), 0.1)
        self.assertAlmostEqual(float(margin), 0.0, places=6)
        self.assertAlmostEqual(float(loss), math.log(2), places=6)

    def test_gradient_signs(self):
        # Raising the chosen log-prob lowers the loss, raising the rejected one raises it; beta scales both.
        grad = jax.grad(lambda c, r: dpo_loss(c, r, jnp.array([-1.5]), jnp.array([-1.5]), 0.5)[0], argnums=(0, 1))
        gc, gr = grad(jnp.array([-1.0]), jnp.array([-2.0]))
        self.assertLess(float(gc[0]), 0)
        self.assertGreater(float(gr[0]), 0)
        # d loss / d chosen = -beta * sigmoid(-margin) with margin = 0.5 * 1.0
        self.assertAlmostEqual(float(gc[0]), -0.5 / (1 + math.exp(0.5)), places=6)

    def test_sequence_logprob_sums_masked_positions(self):
        # Two-token vocabulary, uniform logits: each masked prediction has log p = log 0.5.
        logits = jnp.zeros((1, 4, 2))
        tokens = jnp.array([[0, 1, 1, 0]])
        mask = jnp.array([[0.0, 1.0, 1.0, 0.0]])
        self.assertAlmostEqual(float(sequence_logprob(logits, tokens, mask)[0]), 2 * math.log(0.5), places=6)


if __name__ == "__main__":
    unittest.main()
