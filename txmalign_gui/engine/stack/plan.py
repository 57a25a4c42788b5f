"""Which pairs of images each strategy registers.

Anchor, sequential and chunked strategies form a tree rooted at the anchor: every image is registered
to one parent and its transform is the pair's transform followed by the parent's.  The consistent
strategy registers a redundant graph (the chunked tree, neighbours within a window, links between local
targets at doubling distances and to the anchor) and solves it as a whole.

Chunked follows the local-target scheme of Xiao et al. (J. Synchrotron Rad. 2022), section 4: local
targets sit at anchor + k * chunk_size; each image is registered to the nearest local target and each
local target to the neighbouring one toward the anchor.  With that scheme a chunk size of 1 makes every
image a local target (the sequential strategy) and a chunk size of at least the stack length leaves the
anchor as the only target (the anchor strategy).  By default the links between local targets are
registered on the chunks' averages instead of the single targets (`chunk_means`).
"""

from __future__ import annotations

from typing import List, Tuple

Pair = Tuple[int, int]  # (fixed index, moving index): the moving image is registered onto the fixed one


def local_targets(count: int, anchor: int, chunk_size: int) -> List[int]:
    """Indices anchor + k * chunk_size that fall inside the stack, in increasing order."""
    first = anchor - (anchor // chunk_size) * chunk_size
    return list(range(first, count, chunk_size))


def chunk_target(index: int, count: int, anchor: int, chunk_size: int) -> int:
    """The local target nearest to `index` (ties go toward the anchor)."""
    offset = index - anchor
    below = anchor + (offset // chunk_size) * chunk_size
    above = below + chunk_size if below != index else below
    candidates = [t for t in (below, above) if 0 <= t < count]
    return min(candidates, key=lambda t: (abs(t - index), abs(t - anchor)))


def toward_anchor(index: int, anchor: int, step: int) -> int:
    """The index `step` places closer to the anchor (never past it)."""
    if index > anchor:
        return max(index - step, anchor)
    return min(index + step, anchor)


def tree_parents(strategy: str, count: int, anchor: int, chunk_size: int = 1) -> List[int]:
    """parent[i] for the tree strategies; the anchor is its own parent (identity, no registration)."""
    parents = []
    for index in range(count):
        if index == anchor:
            parents.append(anchor)
        elif strategy == "anchor":
            parents.append(anchor)
        elif strategy == "sequential":
            parents.append(toward_anchor(index, anchor, 1))
        else:
            target = chunk_target(index, count, anchor, chunk_size)
            parents.append(target if target != index else toward_anchor(index, anchor, chunk_size))
    return parents


def tree_pairs(parents: List[int]) -> List[Pair]:
    """The (parent, image) pairs of a tree, nearest to the root first so chains complete early."""
    root = next(i for i, p in enumerate(parents) if p == i)
    pairs = [(p, i) for i, p in enumerate(parents) if p != i]
    return sorted(pairs, key=lambda pair: (abs(pair[1] - root), pair[1]))


def consistent_pairs(count: int, anchor: int, chunk_size: int, window: int) -> List[Pair]:
    """The chunked tree, every neighbour within `window`, local targets 1, 2, 4, 8... chunks apart and
    every local target to the anchor.

    The long links keep errors from adding up along the series the way they do along a chain.  Each pair
    is listed once, with the image nearer the anchor as the fixed one.
    """
    def oriented(a: int, b: int) -> Pair:
        return (a, b) if (abs(a - anchor), a) <= (abs(b - anchor), b) else (b, a)

    pairs = tree_pairs(tree_parents("chunked", count, anchor, chunk_size))
    pairs += [(i, i + k) for i in range(count) for k in range(1, window + 1) if i + k < count]
    targets = local_targets(count, anchor, chunk_size)
    pairs += [(anchor, t) for t in targets if t != anchor]
    pairs += [(targets[k], targets[k + step]) for k in range(len(targets))
              for step in (2 ** e for e in range(len(targets).bit_length())) if k + step < len(targets)]
    unique: dict[tuple[int, int], None] = {}
    for a, b in pairs:
        unique.setdefault(oriented(a, b), None)
    return sorted(unique, key=lambda pair: (abs(pair[1] - anchor), pair[1], pair[0]))
