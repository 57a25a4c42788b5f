"""Which pairs each stack strategy registers (anchor, sequential, chunked, consistent)."""

from txmalign_gui.engine.stack.plan import chunk_target, consistent_pairs, local_targets, tree_pairs, tree_parents


def test_local_targets_are_spaced_by_the_chunk_size_around_the_anchor():
    assert local_targets(101, 50, 7) == [1, 8, 15, 22, 29, 36, 43, 50, 57, 64, 71, 78, 85, 92, 99]
    assert local_targets(10, 0, 4) == [0, 4, 8]


def test_images_go_to_the_nearest_local_target_and_ties_toward_the_anchor():
    targets = [chunk_target(i, 12, 5, 3) for i in range(12)]
    assert targets == [2, 2, 2, 2, 5, 5, 5, 8, 8, 8, 11, 11]
    assert chunk_target(7, 20, 5, 4) == 5 and chunk_target(8, 20, 5, 4) == 9


def test_tree_parents_of_each_strategy():
    assert tree_parents("anchor", 5, 2) == [2, 2, 2, 2, 2]
    assert tree_parents("sequential", 5, 2) == [1, 2, 2, 2, 3]
    # chunk 3 around anchor 5: local targets 2, 5, 8, 11 chained toward 5; other images to the nearest.
    assert tree_parents("chunked", 12, 5, 3) == [2, 2, 5, 2, 5, 5, 5, 8, 5, 8, 11, 8]


def test_chunk_size_limits_are_the_sequential_and_anchor_strategies():
    for count, anchor in ((12, 5), (9, 0), (9, 8)):
        assert tree_parents("chunked", count, anchor, 1) == tree_parents("sequential", count, anchor)
        assert tree_parents("chunked", count, anchor, count) == tree_parents("anchor", count, anchor)


def test_tree_pairs_start_next_to_the_anchor():
    pairs = tree_pairs(tree_parents("sequential", 7, 3))
    assert pairs[:2] == [(3, 2), (3, 4)] and len(pairs) == 6


def test_consistent_pairs_cover_neighbours_tree_long_and_anchor_links_once():
    pairs = consistent_pairs(30, 12, 5, 3)
    unordered = {frozenset(p) for p in pairs}
    assert len(unordered) == len(pairs)
    assert all(frozenset((i, i + k)) in unordered for i in range(27) for k in (1, 2, 3))
    assert all(frozenset((12, t)) in unordered for t in (2, 7, 17, 22, 27))
    assert all(frozenset(p) in unordered for p in ((2, 7), (2, 12), (2, 22), (7, 27)))
    assert all(abs(f - 12) <= abs(m - 12) for f, m in pairs)
