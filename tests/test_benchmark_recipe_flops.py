"""benchmarks/recipe_flops.py: the FLOP count of the recipe's epoch, by part."""
import pytest

from benchmarks.recipe_flops import batch_flops, epoch_flops, floor_seconds, part_gemms

SIZES = dict(dm=3, h=5, units=5, gates=4, vocab=11, directions=1)


def test_a_batch_counts_each_product_three_times_forward_and_two_gradients():
    n, te, td, e, r = 2, 7, 6, 9, 8
    f = batch_flops(n, te, td, e, r, **SIZES)
    # encoder: 9 real steps, x_t (3) and h (5) rows of a (·, 4·5) kernel
    assert f["encoder"] == 3 * (2 * 9 * 3 * 20 + 2 * 9 * 5 * 20)
    # decoder: all 2·6 rows, the kernel's rows for the embedding (3), ã (5) and h (5)
    assert f["decoder recurrence"] == 3 * 2 * 12 * 13 * 20
    # attention: q W_a (5 × 5), the scores and the context over 7 memory steps, W_c (10 × 5)
    assert f["attention"] == 3 * 2 * (12 * 5 * 5 + 2 * 12 * 7 * 5 + 12 * 10 * 5)
    assert f["Dense"] == 3 * 2 * 8 * 5 * 11                      # the 8 real targets only


def test_a_bidirectional_encoder_counts_two_directions_and_a_wider_memory():
    one = batch_flops(2, 7, 6, 9, 8, **SIZES)
    two = batch_flops(2, 7, 6, 9, 8, **{**SIZES, "directions": 2, "units": 10})
    assert two["encoder"] == 2 * one["encoder"]
    assert two["attention"] == 3 * 2 * (12 * 10 * 10 + 2 * 12 * 7 * 10 + 12 * 20 * 10)
    assert part_gemms(2, 6, 8, **{**SIZES, "directions": 2, "units": 10})["attention"].k == 20


def test_an_epoch_sums_its_batches_and_the_floor_divides_by_each_parts_rate():
    shapes = [(2, 7, 6, 9, 8), (3, 4, 4, 10, 11)]
    total = epoch_flops(shapes, **SIZES)
    for part in total:
        assert total[part] == sum(batch_flops(*s, **SIZES)[part] for s in shapes)
    rates = {part: 2.0 for part in total}
    assert floor_seconds(total, rates) == pytest.approx(sum(total.values()) / 2e9)
    rates["Dense"] = 4.0
    assert floor_seconds(total, rates) == pytest.approx((sum(total.values()) - total["Dense"]) / 2e9
                                                        + total["Dense"] / 4e9)
