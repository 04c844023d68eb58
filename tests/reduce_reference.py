"""Temporal composites computed by numpy, the reference of tests/it/reduce.rs.

Usage: reduce_reference.py STACK N H W OUT
STACK holds N acquisitions of H×W little-endian float32 values, in time order, NaN where an
acquisition does not observe the pixel. OUT receives, one H×W float32 plane each: the
median (numpy.nanmedian), mean (numpy.nanmean), min (numpy.nanmin), max (numpy.nanmax),
first and last observation in time order, and the count of observations.
"""
import sys
import warnings

import numpy as np

stack_path, n, h, w, out_path = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5]
stack = np.fromfile(stack_path, dtype="<f4").reshape(n, h, w)
observed = np.isfinite(stack)
count = observed.sum(axis=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN pixels give NaN, as wanted
    median = np.nanmedian(stack, axis=0)
    mean = np.nanmean(stack, axis=0)
    low = np.nanmin(stack, axis=0)
    high = np.nanmax(stack, axis=0)
first_index = np.argmax(observed, axis=0)
last_index = n - 1 - np.argmax(observed[::-1], axis=0)
first = np.take_along_axis(stack, first_index[None], axis=0)[0]
last = np.take_along_axis(stack, last_index[None], axis=0)[0]
first[count == 0] = np.nan
last[count == 0] = np.nan
planes = [median, mean, low, high, first, last, count]
np.stack([p.astype("<f4") for p in planes]).tofile(out_path)
