"""Prefix-free codes for subspace networks: codebook quantisation + range coding.

The compression bounds need ``|E(G)| + |E_G(f_1, ..., f_n)|``, the length in
bits of a *prefix-free* code of the trained models.  We build one:

1. quantise the learned scalars to a codebook of ``K`` values fitted by
   one-dimensional k-means (Lloyd's algorithm);
2. entropy-code the codebook indices with a range coder (the ``constriction``
   package, Bamler 2022) under the categorical model given by their empirical
   frequencies, and check that the bit stream decodes back exactly;
3. add everything a decoder needs that it does not know in advance: the sizes
   ``k, l, K`` and the stream lengths in Elias' delta code, the codebook as
   32-bit floats, and the symbol counts (delta code).  Everything fixed before
   seeing data (architecture, seeds, ``n``) is free.

Concatenating prefix-free fields whose sizes are either known or announced by
an earlier field gives a prefix-free code, so Kraft's inequality holds and the
lengths may be used in the bounds of :mod:`mtlnotes.bounds`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

from mtlnotes._validate import as_float_array, check_count, check_int

__all__ = [
    "FLOAT_BITS",
    "CompressedSubspace",
    "RangeCode",
    "SubspaceCode",
    "adaptive_decode",
    "adaptive_encode",
    "codebook_code_bits",
    "compress_subspace",
    "counts_code_length",
    "dense_code_bits",
    "elias_delta_length",
    "elias_gamma_bits",
    "fit_codebook",
    "index_code_bits",
    "kt_code_length",
    "kt_probabilities",
    "quantize",
    "range_decode",
    "range_encode",
    "sparse_code_bits",
    "subspace_code_length",
]

FLOAT_BITS = 32  # one IEEE-754 single-precision value
WORD_BITS = 32


def _out(x: NDArray) -> int | NDArray:
    """A Python scalar for 0-d results, the array otherwise."""
    return x.item() if x.ndim == 0 else x


def _ceil_log2(n: NDArray[np.int64]) -> NDArray[np.int64]:
    """Exact ``⌈log₂ n⌉`` for ``1 ≤ n ≤ 2^53`` (``= ⌊log₂(n-1)⌋ + 1``, 0 at 1)."""
    return np.frexp((n - 1).astype(np.float64))[1].astype(np.int64)


def elias_gamma_bits(n: ArrayLike) -> int | NDArray[np.int64]:
    """Length in bits of Elias' gamma code of positive integers.

    Parameters
    ----------
    n : array_like of int
        Integers ``1 ≤ n ≤ 2^53``.

    Returns
    -------
    int or ndarray of int64
        ``2⌊log₂ n⌋ + 1``.

    Raises
    ------
    ValueError
        If an entry is not an integer in ``[1, 2^53]``.

    Notes
    -----
    Gamma writes ``⌊log₂ n⌋`` zeros followed by the binary digits of ``n``
    (which start with a one), so a decoder knows where each codeword ends: the
    code is prefix-free on all positive integers and
    ``Σ_n 2^{-(2⌊log₂ n⌋+1)} = Σ_k 2^k · 2^{-(2k+1)} = 1`` (Kraft with equality).
    """
    arr = check_count(n, "n", 1)
    return _out(2 * _floor_log2(arr) + 1)


def dense_code_bits(dim: ArrayLike, bits_per_value: int = FLOAT_BITS) -> int | NDArray:
    """Bits to store a parameter vector of fixed dimension entry by entry.

    Parameters
    ----------
    dim : array_like of int
        Dimension ``D ≥ 1`` (fixed by the model class, so it is not encoded).
    bits_per_value : int, default 32
        Bits per stored value (32 for IEEE single precision).

    Returns
    -------
    int or ndarray of int64
        ``bits_per_value · D``.

    Raises
    ------
    ValueError
        If ``dim`` or ``bits_per_value`` is not an integer ``≥ 1``.

    Notes
    -----
    All codewords have the same length, so the code is prefix-free.
    """
    d = check_count(dim, "dim", 1)
    b = check_count(bits_per_value, "bits_per_value", 1)
    return _out(b * d)


def sparse_code_bits(
    dim: ArrayLike, nnz: ArrayLike, bits_per_value: int = FLOAT_BITS
) -> int | NDArray:
    """Bits to store a sparse vector as (count, positions, values).

    Parameters
    ----------
    dim : array_like of int
        Dimension ``D ≥ 1`` of the vector (fixed by the model class).
    nnz : array_like of int
        Number ``s`` of non-zero entries, ``0 ≤ s ≤ D``.
    bits_per_value : int, default 32
        Bits per stored value.

    Returns
    -------
    int or ndarray of int64
        ``⌈log₂(D + 1)⌉ + s·(⌈log₂ D⌉ + bits_per_value)``.

    Raises
    ------
    ValueError
        If ``dim < 1``, ``nnz ∉ {0, …, D}`` or ``bits_per_value < 1``.

    Notes
    -----
    The slides count only ``(⌈log₂ D⌉ + 32)·s``.  Without the count ``s`` these
    codewords are not prefix-free (the code of a vector with one non-zero is a
    prefix of codes with two), so Kraft's inequality can fail.  A fixed-length
    field of ``⌈log₂(D + 1)⌉`` bits for ``s ∈ {0, …, D}`` repairs this.
    """
    d = check_count(dim, "dim", 1)
    s = check_count(nnz, "nnz", 0)
    b = check_count(bits_per_value, "bits_per_value", 1)
    if np.any(s > d):
        raise ValueError("nnz must be an integer in [0, dim]")
    return _out(_ceil_log2(d + 1) + s * (_ceil_log2(d) + b))


def codebook_code_bits(
    dim: ArrayLike, codebook_size: ArrayLike, bits_per_value: int = FLOAT_BITS
) -> int | NDArray:
    """Bits to store a vector whose entries take one of ``K`` codebook values.

    Parameters
    ----------
    dim : array_like of int
        Dimension ``D ≥ 1`` (fixed by the model class).
    codebook_size : array_like of int
        Number ``K ≥ 1`` of distinct values.
    bits_per_value : int, default 32
        Bits per codebook value.

    Returns
    -------
    int or ndarray of int64
        ``γ(K) + K·bits_per_value + D·⌈log₂ K⌉`` with ``γ(K) = 2⌊log₂ K⌋ + 1``
        the Elias gamma length.

    Raises
    ------
    ValueError
        If ``dim``, ``codebook_size`` or ``bits_per_value`` is not an integer
        ``≥ 1``.

    Notes
    -----
    The codeword is: ``K`` in Elias' gamma code, then the ``K`` values, then
    one fixed-length id of ``⌈log₂ K⌉`` bits per entry.  Each field's length is
    known once the earlier fields are read, so the whole code is prefix-free.
    Entropy-coding the ids (see :mod:`mtlnotes.coding`) can be shorter.
    """
    d = check_count(dim, "dim", 1)
    k = check_count(codebook_size, "codebook_size", 1)
    b = check_count(bits_per_value, "bits_per_value", 1)
    return _out(2 * _floor_log2(k) + 1 + k * b + d * _ceil_log2(k))


def elias_delta_length(n: ArrayLike) -> NDArray[np.int64]:
    """Length in bits of Elias' delta code of the positive integers ``n``.

    Parameters
    ----------
    n : array_like of int
        Integers ``>= 1``.

    Returns
    -------
    ndarray of int64
        :math:`\\lfloor\\log_2 n\\rfloor + 2\\lfloor\\log_2(\\lfloor\\log_2 n
        \\rfloor + 1)\\rfloor + 1`.

    Raises
    ------
    ValueError
        If an entry is not an integer in ``[1, 2**63 - 1]`` (the int64 range).
    TypeError
        If an argument has the wrong type (e.g. a string or ``None``).

    Notes
    -----
    The delta code writes :math:`L=\\lfloor\\log_2 n\\rfloor+1` in Elias' gamma
    code (``2 floor(log2 L) + 1`` bits) followed by the ``L - 1`` bits of ``n``
    after its leading one.  It is prefix-free over all positive integers, so
    :math:`\\sum_n 2^{-\\text{length}(n)}\\le 1` (Elias, 1975).
    """
    arr = np.asarray(n)
    if not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"n must be integers >= 1, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.floor(arr)):
            raise ValueError("n must be integers >= 1")
        if np.any(arr >= 2.0**63):
            raise ValueError("n must be integers in [1, 2**63 - 1]")
    arr = arr.astype(np.int64)
    if np.any(arr < 1):
        raise ValueError("n must be integers >= 1")
    log_n = _floor_log2(arr)
    return log_n + 2 * _floor_log2(log_n + 1) + 1


def _floor_log2(a: NDArray[np.int64]) -> NDArray[np.int64]:
    """Exact floor(log2 a) for positive int64 (no floating-point rounding)."""
    out = np.zeros_like(a)
    rest = a.copy()
    for shift in (32, 16, 8, 4, 2, 1):
        big = rest >= (np.int64(1) << shift)
        out = out + big * shift
        rest = np.where(big, rest >> shift, rest)
    return out


def fit_codebook(values: ArrayLike, n_levels: int, *, n_iter: int = 100) -> NDArray:
    """Fit ``n_levels`` scalar codebook values to ``values`` by 1-D k-means.

    Parameters
    ----------
    values : array_like
        The scalars to quantise (any shape; flattened), at least ``n_levels``.
    n_levels : int
        Codebook size ``K >= 1``.
    n_iter : int
        Maximum number of Lloyd iterations.

    Returns
    -------
    ndarray of float32, shape (n_levels,)
        Sorted codebook (32-bit floats, exactly the values that are stored).

    Raises
    ------
    ValueError
        If ``n_levels < 1``, ``values`` is empty or has fewer entries than
        ``n_levels``.
    TypeError
        If an argument has the wrong type (e.g. a string or ``None``).

    Notes
    -----
    Lloyd's algorithm minimises :math:`\\sum_x \\min_c (x - c)^2`; it starts
    from the quantiles :math:`(i + 1/2)/K` (deterministic) and alternates
    nearest-centre assignment with centre means.  Empty clusters keep their
    centre.
    """
    x = as_float_array(values, "values").ravel()
    n_levels = check_int(n_levels, "n_levels", minimum=1)
    n_iter = check_int(n_iter, "n_iter", minimum=1)
    if x.size < n_levels:
        raise ValueError(f"values must have at least n_levels = {n_levels} entries")
    centres = np.quantile(x, (np.arange(n_levels) + 0.5) / n_levels)
    for _ in range(n_iter):
        labels = quantize(x, centres)
        sums = np.bincount(labels, weights=x, minlength=n_levels)
        counts = np.bincount(labels, minlength=n_levels)
        new = np.where(counts > 0, sums / np.maximum(counts, 1), centres)
        if np.array_equal(new, centres):
            break
        centres = np.sort(new)
    return np.sort(centres).astype(np.float32)


def quantize(values: ArrayLike, codebook: ArrayLike) -> NDArray[np.int64]:
    """Index of the nearest codebook entry for every value.

    Parameters
    ----------
    values : array_like
        Scalars to quantise (any shape).
    codebook : array_like, shape (K,)
        Codebook values, ``K >= 1``.

    Returns
    -------
    ndarray of int64, same shape as ``values``
        :math:`\\arg\\min_c |x - c|` (ties to the lower index).

    Raises
    ------
    ValueError
        If ``codebook`` is empty or not one-dimensional.
    TypeError
        If an argument has the wrong type (e.g. a string or ``None``).
    """
    x = as_float_array(values, "values")
    book = as_float_array(codebook, "codebook")
    if book.ndim != 1 or book.size == 0:
        raise ValueError("codebook must be a non-empty 1-D array")
    return np.argmin(np.abs(x[..., None] - book), axis=-1).astype(np.int64)


@dataclass(frozen=True)
class RangeCode:
    """A range-coded symbol sequence with what a decoder needs to read it.

    Attributes
    ----------
    words : ndarray of uint32
        The compressed bit stream.
    counts : ndarray of int64, shape (K,)
        Symbol counts; the decoder's categorical model is ``counts / counts.sum()``.
    """

    words: NDArray[np.uint32]
    counts: NDArray[np.int64]

    @property
    def payload_bits(self) -> int:
        """Bits of the range-coded stream, ``32 * len(words)``."""
        return WORD_BITS * int(self.words.size)

    @property
    def bits(self) -> int:
        """Payload + counts (first ``K - 1``, delta code of ``c + 1``) + stream length.

        The number of symbols ``N`` is known to the decoder, so the last count
        is ``N`` minus the others.
        """
        counts_bits = int(elias_delta_length(self.counts[:-1] + 1).sum())
        length_bits = int(elias_delta_length(self.words.size + 1))
        return self.payload_bits + counts_bits + length_bits


def _categorical(counts: NDArray[np.int64]) -> object:
    import constriction

    probs = counts.astype(np.float64) / counts.sum()
    return constriction.stream.model.Categorical(probs, perfect=False)


def range_encode(symbols: ArrayLike, n_levels: int) -> RangeCode:
    """Range-code ``symbols`` under their empirical categorical distribution.

    Parameters
    ----------
    symbols : array_like of int
        Non-empty sequence with entries in ``{0, ..., n_levels - 1}``.
    n_levels : int
        Alphabet size ``K >= 1``.

    Returns
    -------
    RangeCode
        The stream and the counts; :func:`range_decode` inverts it.

    Raises
    ------
    ValueError
        If ``symbols`` is empty or has entries outside ``[0, n_levels)``.
    TypeError
        If an argument has the wrong type (e.g. a string or ``None``).

    Notes
    -----
    Uses ``constriction.stream.queue.RangeEncoder`` with a
    ``Categorical(counts / N)`` model.  The payload is at least the empirical
    information :math:`N H(\\hat p)` bits and exceeds it by the quantisation of
    the probabilities plus at most two 32-bit words.
    """
    import constriction

    n_levels = check_int(n_levels, "n_levels", minimum=1)
    sym = np.asarray(symbols).ravel()
    if sym.size == 0:
        raise ValueError("symbols must be non-empty")
    if (
        not np.issubdtype(sym.dtype, np.integer)
        or sym.min() < 0
        or sym.max() >= n_levels
    ):
        raise ValueError(f"symbols must be integers in [0, {n_levels})")
    counts = np.bincount(sym, minlength=n_levels).astype(np.int64)
    if n_levels == 1:  # a one-letter alphabet carries no information
        return RangeCode(words=np.zeros(0, dtype=np.uint32), counts=counts)
    encoder = constriction.stream.queue.RangeEncoder()
    encoder.encode(sym.astype(np.int32), _categorical(counts))
    return RangeCode(words=encoder.get_compressed(), counts=counts)


def range_decode(code: RangeCode) -> NDArray[np.int64]:
    """Decode a :class:`RangeCode` back to its symbols.

    Parameters
    ----------
    code : RangeCode
        Output of :func:`range_encode`.

    Returns
    -------
    ndarray of int64
        The ``code.counts.sum()`` decoded symbols.

    Raises
    ------
    TypeError
        If ``code`` is not a :class:`RangeCode`.
    """
    import constriction

    if not isinstance(code, RangeCode):
        raise TypeError(f"code must be a RangeCode, got {type(code).__name__}")
    size = int(code.counts.sum())
    if code.counts.size == 1:
        return np.zeros(size, dtype=np.int64)
    decoder = constriction.stream.queue.RangeDecoder(code.words)
    return decoder.decode(_categorical(code.counts), size).astype(np.int64)


@dataclass(frozen=True)
class CompressedSubspace:
    """Quantised subspace parameters and the length of their prefix-free code.

    Attributes
    ----------
    codebook : ndarray of float32
        The ``K`` codebook values (part of ``G``).
    shared : ndarray
        Dequantised shared parameters ``v`` (empty if there are none).
    task : ndarray
        Dequantised task coordinates ``alpha``.
    shared_bits : int
        :math:`|E(G)|`: sizes, codebook, and the code of ``v``.
    task_bits : int
        :math:`|E_G(f_1,\\dots,f_n)|`: the code of ``alpha`` given ``G``.
    """

    codebook: NDArray[np.float32]
    shared: NDArray[np.float32]
    task: NDArray[np.float32]
    shared_bits: int
    task_bits: int

    @property
    def total_bits(self) -> int:
        """:math:`|E(G)| + |E_G(f_1,\\dots,f_n)|` in bits."""
        return self.shared_bits + self.task_bits


def _encode_checked(symbols: NDArray[np.int64], n_levels: int) -> RangeCode:
    code = range_encode(symbols, n_levels)
    if not np.array_equal(range_decode(code), symbols.ravel()):  # pragma: no cover
        raise RuntimeError("range coder round trip failed")
    return code


def compress_subspace(
    task: ArrayLike, shared: ArrayLike | None = None, *, n_levels: int = 16
) -> CompressedSubspace:
    """Quantise ``(alpha, v)`` to one codebook and measure a prefix-free code.

    Parameters
    ----------
    task : array_like, shape (n, k)
        Task coordinates :math:`\\alpha_1,\\dots,\\alpha_n`.
    shared : array_like, shape (k, l), or None
        Shared basis vectors :math:`v_1,\\dots,v_k` (``None`` for a fixed basis).
    n_levels : int
        Codebook size ``K >= 1`` (at most the number of scalars).

    Returns
    -------
    CompressedSubspace
        Dequantised values and the code lengths :math:`|E(G)|`,
        :math:`|E_G(f_1..f_n)|` in bits.

    Raises
    ------
    ValueError
        If ``task`` is not a non-empty 2-D array, ``shared`` is not 2-D with
        ``shared.shape[0] == task.shape[1]``, or ``n_levels`` is out of range.
    TypeError
        If an argument has the wrong type (e.g. a string or ``None``).

    Notes
    -----
    The code is the concatenation

    * :math:`E(G)`: ``delta(k)``, ``delta(l + 1)`` (``l = 0``: no ``v``),
      ``delta(K)``, the codebook (``32 K`` bits), then the range code of the
      indices of ``v`` (counts, stream length, stream);
    * :math:`E_G(f_1..f_n)`: the range code of the indices of ``alpha``.

    The decoder knows ``n`` and reads every other size before the field that
    needs it, so the code is prefix-free.  Both streams are decoded and
    checked against the indices before returning.
    """
    alpha = as_float_array(task, "task")
    if alpha.ndim != 2 or alpha.size == 0:
        raise ValueError(f"task must be a non-empty 2-D array, got shape {alpha.shape}")
    k = alpha.shape[1]
    if shared is None:
        v = np.zeros((k, 0))
    else:
        v = as_float_array(shared, "shared")
        if v.ndim != 2 or v.shape[0] != k:
            raise ValueError(f"shared must have shape (k={k}, l), got {v.shape}")
    l = v.shape[1]  # noqa: E741 (the paper's name)
    n_levels = check_int(n_levels, "n_levels", minimum=1)
    both = np.concatenate([v.ravel(), alpha.ravel()])
    if n_levels > both.size:
        raise ValueError(f"n_levels must be <= the number of scalars {both.size}")
    codebook = fit_codebook(both, n_levels)
    header = int(elias_delta_length(np.array([k, l + 1, n_levels])).sum())
    shared_bits = header + FLOAT_BITS * n_levels
    v_sym = quantize(v, codebook)
    if v.size:
        shared_bits += _encode_checked(v_sym, n_levels).bits
    a_sym = quantize(alpha, codebook)
    task_bits = _encode_checked(a_sym, n_levels).bits
    return CompressedSubspace(
        codebook=codebook,
        shared=codebook[v_sym],
        task=codebook[a_sym],
        shared_bits=shared_bits,
        task_bits=task_bits,
    )


# --- Adaptive and transmitted-count arithmetic codes (issue 12) -------------

LN2 = math.log(2.0)


def _check_symbols(symbols: ArrayLike, n_levels: int) -> tuple[NDArray[np.int64], int]:
    n_levels = check_int(n_levels, "n_levels", minimum=1)
    sym = np.asarray(symbols)
    if sym.size and not np.issubdtype(sym.dtype, np.integer):
        raise ValueError(f"symbols must be integers in [0, {n_levels})")
    sym = sym.ravel().astype(np.int64)
    if sym.size and (sym.min() < 0 or sym.max() >= n_levels):
        raise ValueError(f"symbols must be integers in [0, {n_levels})")
    return sym, n_levels


def kt_code_length(symbols: ArrayLike, n_levels: int) -> float:
    """Ideal code length (bits) of ``symbols`` under the adaptive KT model.

    Parameters
    ----------
    symbols : array_like of int
        Sequence in ``{0, ..., K - 1}`` (flattened; may be empty).
    n_levels : int
        Alphabet size ``K >= 1``.

    Returns
    -------
    float
        :math:`-\\log_2 P_{KT}(s_{1:N})` with
        :math:`P_{KT}(s_{1:N}) = \\prod_t \\frac{c_{s_t}(t-1) + 1/2}{t - 1 + K/2}
        = \\frac{\\Gamma(K/2)\\prod_s\\Gamma(c_s + 1/2)}
        {\\Gamma(1/2)^K\\,\\Gamma(N + K/2)}`.

    Raises
    ------
    ValueError
        If ``n_levels < 1`` or a symbol lies outside ``[0, K)``.

    Notes
    -----
    The Krichevsky-Trofimov estimator predicts symbol ``s`` with probability
    ``(count so far + 1/2) / (t + K/2)``; encoder and decoder update the
    counts alike, so nothing but the stream is transmitted.  Its redundancy
    over the empirical entropy is at most :math:`\\frac{K-1}{2}\\log_2 N + O(K)`
    bits (chapter ``subspace_networks``).
    """
    sym, n_levels = _check_symbols(symbols, n_levels)
    counts = np.bincount(sym, minlength=n_levels)
    nats = (
        gammaln(sym.size + n_levels / 2)
        - gammaln(n_levels / 2)
        - np.sum(gammaln(counts + 0.5) - gammaln(0.5))
    )
    return float(nats / LN2)


def counts_code_length(symbols: ArrayLike, n_levels: int) -> float:
    """Ideal code length (bits) of ``symbols`` with transmitted counts.

    Parameters
    ----------
    symbols : array_like of int
        Sequence in ``{0, ..., K - 1}`` (flattened; may be empty).
    n_levels : int
        Alphabet size ``K >= 1``.

    Returns
    -------
    float
        :math:`\\log_2\\binom{N+K-1}{K-1} + \\log_2\\frac{N!}{\\prod_s c_s!}`.

    Raises
    ------
    ValueError
        As :func:`kt_code_length`.

    Notes
    -----
    First the count vector ``c`` (one of :math:`\\binom{N+K-1}{K-1}` with
    sum ``N``, uniform), then the sequence's index among the
    :math:`N!/\\prod c_s!` sequences with those counts (uniform): a
    probability distribution over sequences of length ``N``, coded by an
    arithmetic coder that updates the counts as it goes.  It never exceeds the
    empirical information :math:`N\\hat H` by more than the counts' cost.
    """
    sym, n_levels = _check_symbols(symbols, n_levels)
    counts = np.bincount(sym, minlength=n_levels)
    size = sym.size
    nats = (
        gammaln(size + n_levels)
        - gammaln(n_levels)
        - gammaln(size + 1)
        + gammaln(size + 1)
        - np.sum(gammaln(counts + 1))
    )
    return float(max(nats, 0.0) / LN2)


def index_code_bits(symbols: ArrayLike, n_levels: int) -> int:
    """Bits of a prefix-free arithmetic code of ``symbols`` of known length.

    Parameters
    ----------
    symbols : array_like of int
        Sequence in ``{0, ..., K - 1}``.
    n_levels : int
        Alphabet size ``K >= 1``.

    Returns
    -------
    int
        :math:`1 + \\lceil \\min(L_{KT}, L_{counts}) \\rceil + 1`: a flag bit
        naming the model, then the Shannon-Fano-Elias (arithmetic) code of the
        sequence under it.

    Raises
    ------
    ValueError
        As :func:`kt_code_length`.

    Notes
    -----
    For a distribution ``P`` over sequences of the known length ``N``, the
    arithmetic code of ``s`` has :math:`\\lceil -\\log_2 P(s)\\rceil + 1`
    bits and is prefix-free (Cover and Thomas, Sec. 5.9 and 13.3).  Mixing
    two codes with a flag bit keeps it prefix-free.  An empty sequence costs
    0 bits; ``K = 1`` costs the flag and one bit.
    """
    sym, n_levels = _check_symbols(symbols, n_levels)
    if sym.size == 0:
        return 0
    best = min(kt_code_length(sym, n_levels), counts_code_length(sym, n_levels))
    return 2 + math.ceil(best - 1e-9)


def kt_probabilities(symbols: ArrayLike, n_levels: int) -> NDArray[np.float64]:
    """Sequential KT predictive distributions, shape ``(N, K)``.

    Parameters
    ----------
    symbols : array_like of int
        Sequence in ``{0, ..., K - 1}``.
    n_levels : int
        Alphabet size ``K >= 1``.

    Returns
    -------
    ndarray, shape (N, K)
        Row ``t``: :math:`(c(t) + 1/2) / (t + K/2)` with ``c(t)`` the counts of
        ``symbols[:t]``.

    Raises
    ------
    ValueError
        As :func:`kt_code_length`.
    """
    sym, n_levels = _check_symbols(symbols, n_levels)
    onehot = np.zeros((sym.size, n_levels))
    onehot[np.arange(sym.size), sym] = 1.0
    before = np.cumsum(onehot, axis=0) - onehot
    return (before + 0.5) / (np.arange(sym.size)[:, None] + n_levels / 2)


def adaptive_encode(symbols: ArrayLike, n_levels: int) -> NDArray[np.uint32]:
    """Range-code ``symbols`` with ``constriction`` under the adaptive KT model.

    Parameters
    ----------
    symbols : array_like of int
        Non-empty sequence in ``{0, ..., K - 1}``, ``K >= 2``.
    n_levels : int
        Alphabet size ``K >= 2``.

    Returns
    -------
    ndarray of uint32
        The compressed stream; :func:`adaptive_decode` inverts it.  Its length
        ``32 * len(words)`` is within two 32-bit words (plus the coder's
        probability quantisation) of :func:`kt_code_length`.

    Raises
    ------
    ValueError
        If ``symbols`` is empty, ``n_levels < 2`` or a symbol is out of range.
    """
    import constriction

    sym, n_levels = _check_symbols(symbols, n_levels)
    if n_levels < 2:
        raise ValueError(f"n_levels must be >= 2, got {n_levels}")
    if sym.size == 0:
        raise ValueError("symbols must be non-empty")
    family = constriction.stream.model.Categorical(perfect=False)
    encoder = constriction.stream.queue.RangeEncoder()
    encoder.encode(sym.astype(np.int32), family, kt_probabilities(sym, n_levels))
    return encoder.get_compressed()


def adaptive_decode(
    words: NDArray[np.uint32], size: int, n_levels: int
) -> NDArray[np.int64]:
    """Decode :func:`adaptive_encode`'s stream of ``size`` symbols.

    Parameters
    ----------
    words : ndarray of uint32
        The compressed stream.
    size : int
        Number of symbols ``N >= 1`` (known to the decoder).
    n_levels : int
        Alphabet size ``K >= 2``.

    Returns
    -------
    ndarray of int64, shape (size,)

    Raises
    ------
    ValueError
        If ``size < 1`` or ``n_levels < 2``.

    Notes
    -----
    Decodes one symbol at a time, updating the KT counts exactly as the
    encoder did (a loop over symbols: this is the check, not the hot path).
    """
    import constriction

    size = check_int(size, "size", minimum=1)
    n_levels = check_int(n_levels, "n_levels", minimum=2)
    decoder = constriction.stream.queue.RangeDecoder(np.asarray(words, np.uint32))
    counts = np.zeros(n_levels)
    out = np.empty(size, dtype=np.int64)
    for t in range(size):
        probs = (counts + 0.5) / (t + n_levels / 2)
        model = constriction.stream.model.Categorical(probs, perfect=False)
        out[t] = decoder.decode(model)
        counts[out[t]] += 1
    return out


@dataclass(frozen=True)
class SubspaceCode:
    """Bits of the prefix-free code of quantised subspace models.

    Attributes
    ----------
    header_bits : int
        :math:`\\lceil\\log_2|\\text{grid}|\\rceil`: which hyperparameters
        (``k, l, K``, training options) from a grid fixed in advance.
    codebook_bits : int
        ``K`` codebook values at ``codebook_precision`` bits each.
    shared_bits : int
        Arithmetic code of the indices of ``v`` (0 without a learned basis).
    task_bits : int
        Arithmetic code of the indices of ``alpha``.
    """

    header_bits: int
    codebook_bits: int
    shared_bits: int
    task_bits: int

    @property
    def total_bits(self) -> int:
        """:math:`|E(G)| + |E_G(f_1,\\dots,f_n)|`."""
        return self.header_bits + self.codebook_bits + self.shared_bits + self.task_bits


def subspace_code_length(
    task_symbols: ArrayLike,
    shared_symbols: ArrayLike | None,
    n_levels: int,
    *,
    codebook_precision: int = 16,
    grid_size: int = 1,
) -> SubspaceCode:
    """Length of the code ``header | codebook | v indices | alpha indices``.

    Parameters
    ----------
    task_symbols : array_like of int
        Codebook indices of the task coordinates (``n * k`` of them).
    shared_symbols : array_like of int or None
        Codebook indices of ``v`` (``k * l``), or ``None`` without a shared part.
    n_levels : int
        Codebook size ``K >= 1``.
    codebook_precision : {16, 32}
        Bits per stored codebook value (IEEE half or single precision).
    grid_size : int
        Number of hyperparameter configurations searched, ``>= 1``.

    Returns
    -------
    SubspaceCode

    Raises
    ------
    ValueError
        If ``codebook_precision`` is not 16 or 32, ``grid_size < 1``, or a
        symbol is out of range.

    Notes
    -----
    The decoder knows the grid, ``n``, the architecture and seeds.  The header
    names the configuration (hence ``k, l, K`` and the symbol counts
    ``k l`` and ``n k``), then come ``K`` codebook values and two
    :func:`index_code_bits` codes.  Every field has a known or announced
    length, so the concatenation is prefix-free and Kraft's inequality gives
    the union bound over all grid points and codes.
    """
    n_levels = check_int(n_levels, "n_levels", minimum=1)
    grid_size = check_int(grid_size, "grid_size", minimum=1)
    if codebook_precision not in (16, 32):
        raise ValueError(
            f"codebook_precision must be 16 or 32, got {codebook_precision}"
        )
    shared = 0 if shared_symbols is None else index_code_bits(shared_symbols, n_levels)
    return SubspaceCode(
        header_bits=math.ceil(math.log2(grid_size) - 1e-12),
        codebook_bits=codebook_precision * n_levels,
        shared_bits=shared,
        task_bits=index_code_bits(task_symbols, n_levels),
    )
