/* Five inner loops of the FAQ index (bot/faq/index.py `_char_ngrams`, `_add_postings`, `_weigh_query`,
 * `_near_anchor` and `_best_of`), in C: the same arithmetic in the same order, so the scores are the same to the last bit. Built with the package when a C
 * compiler is there (setup.py, optional); without it, index.py runs its own Python loops. A third of the CPU
 * of matching a question went into them (bench/bench_update.py). And the lookup of `FeatureTable`, the index's
 * feature strings kept as UTF-8 in one bytes object instead of a dict of str (feature_table.py says why). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static int
get_buffer(PyObject *obj, Py_buffer *view, int writable, const char *formats, const char *name)
{
    int flags = PyBUF_FORMAT | PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0)
        return -1;
    const char *format = view->format ? view->format : "B";
    if (strlen(format) != 1 || strchr(formats, format[0]) == NULL) {
        PyErr_Format(PyExc_TypeError, "%s: an array of type %s expected, got %s", name, formats, format);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static unsigned long
unsigned_at(const Py_buffer *view, Py_ssize_t i)
{
    switch (view->format[0]) {
    case 'H':
        return ((const unsigned short *)view->buf)[i];
    case 'I':
        return ((const unsigned int *)view->buf)[i];
    default:
        return ((const unsigned long *)view->buf)[i];
    }
}

PyDoc_STRVAR(char_ngrams_doc,
             "char_ngrams(tokens, sizes)\n\n"
             "Counts of the character n-grams of each token padded with a space on both sides, for each\n"
             "size in sizes (ascending) up to the padded token's length: a dict of str to float, in the\n"
             "order the n-grams first occur.");

static PyObject *
char_ngrams(PyObject *self, PyObject *args)
{
    PyObject *tokens, *sizes, *iterator, *token, *counts;
    if (!PyArg_ParseTuple(args, "OO!:char_ngrams", &tokens, &PyTuple_Type, &sizes))
        return NULL;
    iterator = PyObject_GetIter(tokens);
    if (iterator == NULL)
        return NULL;
    counts = PyDict_New();
    if (counts == NULL)
        goto fail;
    while ((token = PyIter_Next(iterator)) != NULL) {
        if (!PyUnicode_Check(token)) {
            PyErr_SetString(PyExc_TypeError, "tokens: str expected");
            Py_DECREF(token);
            goto fail;
        }
        PyObject *padded = PyUnicode_FromFormat(" %U ", token);
        Py_DECREF(token);
        if (padded == NULL)
            goto fail;
        Py_ssize_t size = PyUnicode_GET_LENGTH(padded);
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(sizes); k++) {
            Py_ssize_t n = PyLong_AsSsize_t(PyTuple_GET_ITEM(sizes, k));
            if (n == -1 && PyErr_Occurred()) {
                Py_DECREF(padded);
                goto fail;
            }
            if (n > size)
                break;
            if (n < 1) {
                PyErr_SetString(PyExc_ValueError, "sizes: positive lengths expected");
                Py_DECREF(padded);
                goto fail;
            }
            for (Py_ssize_t i = 0; i + n <= size; i++) {
                PyObject *gram = PyUnicode_Substring(padded, i, i + n);
                if (gram == NULL) {
                    Py_DECREF(padded);
                    goto fail;
                }
                PyObject *old = PyDict_GetItemWithError(counts, gram);
                double count = 1.0;
                if (old != NULL)
                    count += PyFloat_AsDouble(old);
                else if (PyErr_Occurred()) {
                    Py_DECREF(gram);
                    Py_DECREF(padded);
                    goto fail;
                }
                PyObject *value = PyFloat_FromDouble(count);
                int failed = value == NULL || PyDict_SetItem(counts, gram, value) < 0;
                Py_XDECREF(value);
                Py_DECREF(gram);
                if (failed) {
                    Py_DECREF(padded);
                    goto fail;
                }
            }
        }
        Py_DECREF(padded);
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred()) {
        Py_DECREF(counts);
        return NULL;
    }
    return counts;
fail:
    Py_DECREF(iterator);
    Py_XDECREF(counts);
    return NULL;
}

/* --- the feature table (bot/faq/feature_table.py FeatureTable) ----------------------------------------
 * Feature f is blob[offsets[f]:offsets[f + 1]] (UTF-8); slots is an open-addressing hash table (a power of
 * two long, at most half full) of f + 1, 0 for an empty slot, placed by FNV-1a of the feature's bytes and
 * probed linearly. The arrays may come from a file (bot/faq/index_store.py): every read is checked. */

#define FNV_START 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t
fnv1a(const unsigned char *bytes, Py_ssize_t n, uint64_t h)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= bytes[i];
        h *= FNV_PRIME;
    }
    return h;
}

typedef struct {
    Py_buffer blob, offsets, slots;
    const unsigned char *bytes;
    const unsigned int *starts;
    unsigned int *places;
    Py_ssize_t n_features;
    size_t mask;
} Table;

static int
table_open(PyObject *blob, PyObject *offsets, PyObject *slots, int writable, Table *t)
{
    if (get_buffer(blob, &t->blob, 0, "B", "blob") < 0)
        return -1;
    if (get_buffer(offsets, &t->offsets, 0, "I", "offsets") < 0)
        goto release_blob;
    if (get_buffer(slots, &t->slots, writable, "I", "slots") < 0)
        goto release_offsets;
    Py_ssize_t n_slots = t->slots.len / (Py_ssize_t)sizeof(unsigned int);
    t->n_features = t->offsets.len / (Py_ssize_t)sizeof(unsigned int) - 1;
    if (t->n_features < 0 || n_slots < 2 * t->n_features || n_slots < 1 || (n_slots & (n_slots - 1)) != 0) {
        PyErr_SetString(PyExc_ValueError, "feature table: offsets of n + 1, slots a power of two >= 2n expected");
        PyBuffer_Release(&t->slots);
        goto release_offsets;
    }
    t->bytes = (const unsigned char *)t->blob.buf;
    t->starts = (const unsigned int *)t->offsets.buf;
    t->places = (unsigned int *)t->slots.buf;
    t->mask = (size_t)n_slots - 1;
    return 0;
release_offsets:
    PyBuffer_Release(&t->offsets);
release_blob:
    PyBuffer_Release(&t->blob);
    return -1;
}

static void
table_close(Table *t)
{
    PyBuffer_Release(&t->slots);
    PyBuffer_Release(&t->offsets);
    PyBuffer_Release(&t->blob);
}

/* The bytes of feature f, or -1 with an exception where the offsets do not fit the blob. */
static Py_ssize_t
table_feature(const Table *t, Py_ssize_t f, const unsigned char **bytes)
{
    if (f < 0 || f >= t->n_features || t->starts[f] > t->starts[f + 1] ||
        (Py_ssize_t)t->starts[f + 1] > t->blob.len) {
        PyErr_SetString(PyExc_IndexError, "feature table: a feature out of range");
        return -1;
    }
    *bytes = t->bytes + t->starts[f];
    return (Py_ssize_t)(t->starts[f + 1] - t->starts[f]);
}

/* The number of the feature prefix + name, -1 if the table lacks it, -2 with an exception. */
static Py_ssize_t
table_find(const Table *t, const char *prefix, Py_ssize_t n_prefix, const char *name, Py_ssize_t n_name)
{
    uint64_t h = fnv1a((const unsigned char *)name, n_name, fnv1a((const unsigned char *)prefix, n_prefix, FNV_START));
    for (size_t i = (size_t)h & t->mask, probes = 0; probes <= t->mask; i = (i + 1) & t->mask, probes++) {
        unsigned int place = t->places[i];
        if (place == 0)
            return -1;
        const unsigned char *bytes;
        Py_ssize_t n = table_feature(t, (Py_ssize_t)place - 1, &bytes);
        if (n < 0)
            return -2;
        if (n == n_prefix + n_name && memcmp(bytes, prefix, (size_t)n_prefix) == 0 &&
            memcmp(bytes + n_prefix, name, (size_t)n_name) == 0)
            return (Py_ssize_t)place - 1;
    }
    return -1;
}

/* The UTF-8 of a str, or NULL: with an exception set, or without one for a str that has none (a lone
 * surrogate, which a message may carry: no feature of the table, which is UTF-8, can be it). */
static const char *
utf8_of(PyObject *text, Py_ssize_t *n)
{
    const char *utf8 = PyUnicode_AsUTF8AndSize(text, n);
    if (utf8 == NULL && PyErr_ExceptionMatches(PyExc_UnicodeEncodeError))
        PyErr_Clear();
    return utf8;
}

PyDoc_STRVAR(fill_feature_slots_doc,
             "fill_feature_slots(blob, offsets, slots)\n\n"
             "Places every feature of the table in slots (an array of type I, zeros, a power of two at\n"
             "least twice the number of features long).");

static PyObject *
fill_feature_slots(PyObject *self, PyObject *args)
{
    PyObject *blob, *offsets, *slots;
    Table t;
    if (!PyArg_ParseTuple(args, "OOO:fill_feature_slots", &blob, &offsets, &slots))
        return NULL;
    if (table_open(blob, offsets, slots, 1, &t) < 0)
        return NULL;
    for (Py_ssize_t f = 0; f < t.n_features; f++) {
        const unsigned char *bytes;
        Py_ssize_t n = table_feature(&t, f, &bytes);
        if (n < 0) {
            table_close(&t);
            return NULL;
        }
        size_t i = (size_t)fnv1a(bytes, n, FNV_START) & t.mask, probes = 0;
        while (t.places[i] != 0 && probes++ <= t.mask)  // (at most half full: an empty slot comes)
            i = (i + 1) & t.mask;
        if (t.places[i] != 0) {
            table_close(&t);
            PyErr_SetString(PyExc_ValueError, "fill_feature_slots: slots of zeros expected");
            return NULL;
        }
        t.places[i] = (unsigned int)(f + 1);
    }
    table_close(&t);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(find_feature_doc,
             "find_feature(blob, offsets, slots, name) -> int or None\n\n"
             "The number of the feature name in the table, None if it has none.");

static PyObject *
find_feature(PyObject *self, PyObject *args)
{
    PyObject *blob, *offsets, *slots, *name;
    Table t;
    if (!PyArg_ParseTuple(args, "OOOU:find_feature", &blob, &offsets, &slots, &name))
        return NULL;
    Py_ssize_t n_name;
    const char *utf8 = utf8_of(name, &n_name);
    if (utf8 == NULL) {
        if (PyErr_Occurred())
            return NULL;
        Py_RETURN_NONE;
    }
    if (table_open(blob, offsets, slots, 0, &t) < 0)
        return NULL;
    Py_ssize_t f = table_find(&t, "", 0, utf8, n_name);
    table_close(&t);
    if (f == -2)
        return NULL;
    if (f == -1)
        Py_RETURN_NONE;
    return PyLong_FromSsize_t(f);
}

PyDoc_STRVAR(add_postings_doc,
             "add_postings(acc, start, ids, weights, query, budget, touched)\n\n"
             "Adds weight * query weight to acc[document] for the postings of each (feature, weight) of\n"
             "query in turn, until budget postings are read (the first feature is read whatever its\n"
             "length); adds the documents to the set touched unless it is None.");

static PyObject *
add_postings(PyObject *self, PyObject *args)
{
    PyObject *acc_obj, *start_obj, *ids_obj, *weights_obj, *query, *touched, *items, *result = NULL;
    Py_buffer acc, start, ids, weights;
    Py_ssize_t budget;
    char *seen = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOnO:add_postings", &acc_obj, &start_obj, &ids_obj, &weights_obj, &query,
                          &budget, &touched))
        return NULL;
    if (touched != Py_None && !PySet_Check(touched)) {
        PyErr_SetString(PyExc_TypeError, "touched: a set or None expected");
        return NULL;
    }
    if (get_buffer(acc_obj, &acc, 1, "d", "acc") < 0)
        return NULL;
    if (get_buffer(start_obj, &start, 0, "IL", "start") < 0)
        goto release_acc;
    if (get_buffer(ids_obj, &ids, 0, "HIL", "ids") < 0)
        goto release_start;
    if (get_buffer(weights_obj, &weights, 0, "f", "weights") < 0)
        goto release_ids;

    items = PySequence_Fast(query, "query: a sequence of (feature, weight) expected");
    if (items == NULL)
        goto release_all;
    double *sums = (double *)acc.buf;
    Py_ssize_t size = acc.len / (Py_ssize_t)sizeof(double);
    Py_ssize_t n_starts = start.len / start.itemsize, n_ids = ids.len / ids.itemsize;
    const float *w = (const float *)weights.buf;
    if (touched != Py_None) {
        seen = PyMem_Calloc(size > 0 ? size : 1, 1);  // (a document is added to the set once)
        if (seen == NULL) {
            PyErr_NoMemory();
            goto release_items;
        }
    }
    Py_ssize_t read = 0, count = PySequence_Fast_GET_SIZE(items);
    PyObject **pairs = PySequence_Fast_ITEMS(items);
    for (Py_ssize_t q = 0; q < count; q++) {
        PyObject *pair = pairs[q];
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "query: (feature, weight) pairs expected");
            goto done;
        }
        Py_ssize_t fid = PyLong_AsSsize_t(PyTuple_GET_ITEM(pair, 0));
        double qw = PyFloat_AsDouble(PyTuple_GET_ITEM(pair, 1));
        if (PyErr_Occurred())
            goto done;
        if (fid < 0 || fid + 1 >= n_starts) {
            PyErr_SetString(PyExc_IndexError, "query: feature out of range");
            goto done;
        }
        Py_ssize_t s = (Py_ssize_t)unsigned_at(&start, fid), e = (Py_ssize_t)unsigned_at(&start, fid + 1);
        Py_ssize_t n = e - s;
        if (n <= 0)
            continue;
        if (read + n > budget && read)
            break;
        if (e > n_ids || e * (Py_ssize_t)sizeof(float) > weights.len) {
            PyErr_SetString(PyExc_IndexError, "postings out of range");
            goto done;
        }
        for (Py_ssize_t k = s; k < e; k++) {
            unsigned long d = unsigned_at(&ids, k);
            if ((Py_ssize_t)d >= size) {
                PyErr_SetString(PyExc_IndexError, "document out of range");
                goto done;
            }
            sums[d] += qw * (double)w[k];
            if (seen != NULL && !seen[d]) {
                seen[d] = 1;
                PyObject *number = PyLong_FromUnsignedLong(d);
                if (number == NULL || PySet_Add(touched, number) < 0) {
                    Py_XDECREF(number);
                    goto done;
                }
                Py_DECREF(number);
            }
        }
        read += n;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    PyMem_Free(seen);
release_items:
    Py_DECREF(items);
release_all:
    PyBuffer_Release(&weights);
release_ids:
    PyBuffer_Release(&ids);
release_start:
    PyBuffer_Release(&start);
release_acc:
    PyBuffer_Release(&acc);
    return result;
}

typedef struct {
    double idf;
    Py_ssize_t fid;
    double weight;
} Feature;

static int
rarest_first(const void *a, const void *b)
{
    // as Python sorts (idf, fid, weight) tuples in reverse: idf, then feature number, both descending
    const Feature *x = (const Feature *)a, *y = (const Feature *)b;
    if (x->idf != y->idf)
        return x->idf < y->idf ? 1 : -1;
    return x->fid < y->fid ? 1 : (x->fid > y->fid ? -1 : 0);
}

/* The table's three arrays, from a FeatureTable (or anything with blob, offsets and slots). */
static int
table_of(PyObject *table, Table *t)
{
    PyObject *blob = PyObject_GetAttrString(table, "blob");
    PyObject *offsets = blob ? PyObject_GetAttrString(table, "offsets") : NULL;
    PyObject *slots = offsets ? PyObject_GetAttrString(table, "slots") : NULL;
    int opened = slots ? table_open(blob, offsets, slots, 0, t) : -1;
    Py_XDECREF(blob);  // (the buffers keep what they read alive)
    Py_XDECREF(offsets);
    Py_XDECREF(slots);
    return opened;
}

PyDoc_STRVAR(weigh_query_doc,
             "weigh_query(counts, prefix, table, idf, unknown_idf) -> list of (feature, weight)\n\n"
             "The question's features (prefix + each name of counts) known to the index's FeatureTable,\n"
             "with their normalised weights, rarest first (features unknown to the index count in the norm\n"
             "with unknown_idf).");

static PyObject *
weigh_query(PyObject *self, PyObject *args)
{
    PyObject *counts, *prefix, *table, *idf_obj, *result = NULL;
    double unknown_idf;
    Py_buffer idf;
    Table t;
    if (!PyArg_ParseTuple(args, "O!UOOd:weigh_query", &PyDict_Type, &counts, &prefix, &table, &idf_obj,
                          &unknown_idf))
        return NULL;
    Py_ssize_t n_prefix;
    const char *prefix_utf8 = PyUnicode_AsUTF8AndSize(prefix, &n_prefix);
    if (prefix_utf8 == NULL)
        return NULL;
    if (get_buffer(idf_obj, &idf, 0, "f", "idf") < 0)
        return NULL;
    if (table_of(table, &t) < 0) {
        PyBuffer_Release(&idf);
        return NULL;
    }
    const float *idfs = (const float *)idf.buf;
    Py_ssize_t n_idf = idf.len / (Py_ssize_t)sizeof(float), count = 0, pos = 0;
    Feature *features = PyMem_Malloc((PyDict_GET_SIZE(counts) + 1) * sizeof(Feature));
    if (features == NULL) {
        PyErr_NoMemory();
        goto release;
    }
    double norm = 0.0;
    PyObject *name, *tf_object;
    while (PyDict_Next(counts, &pos, &name, &tf_object)) {
        if (!PyUnicode_Check(name)) {
            PyErr_SetString(PyExc_TypeError, "counts: str keys expected");
            goto done;
        }
        Py_ssize_t n_name;
        const char *utf8 = utf8_of(name, &n_name);
        if (utf8 == NULL && PyErr_Occurred())
            goto done;
        Py_ssize_t fid = utf8 == NULL ? -1 : table_find(&t, prefix_utf8, n_prefix, utf8, n_name);
        if (fid == -2)
            goto done;
        double tf = PyFloat_AsDouble(tf_object);
        if (tf == -1.0 && PyErr_Occurred())
            goto done;
        double weight_of_idf = unknown_idf;
        if (fid >= 0) {
            if (fid >= n_idf) {
                PyErr_SetString(PyExc_IndexError, "table: feature out of range");
                goto done;
            }
            weight_of_idf = (double)idfs[fid];
        }
        double weight = (tf > 1.0 ? 1.0 + log(tf) : tf) * weight_of_idf;
        norm += weight * weight;
        if (fid >= 0 && weight_of_idf > 0.0)
            features[count++] = (Feature){weight_of_idf, fid, weight};
    }
    if (norm == 0.0) {
        result = PyList_New(0);
        goto done;
    }
    norm = sqrt(norm);
    qsort(features, (size_t)count, sizeof(Feature), rarest_first);
    result = PyList_New(count);
    if (result == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *pair = Py_BuildValue("(nd)", features[i].fid, features[i].weight / norm);
        if (pair == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, pair);
    }
done:
    PyMem_Free(features);
release:
    table_close(&t);
    PyBuffer_Release(&idf);
    return result;
}

PyDoc_STRVAR(best_of_doc,
             "best_of(sims, lo, hi) -> int\n\n"
             "The position of the first largest of sims[lo:hi] (an array of type d, lo < hi), as\n"
             "sims.index(max(sims[lo:hi]), lo, hi) finds it, without a float object per number.");

static PyObject *
best_of(PyObject *self, PyObject *args)
{
    PyObject *sims_obj;
    Py_ssize_t lo, hi;
    Py_buffer sims;
    if (!PyArg_ParseTuple(args, "Onn:best_of", &sims_obj, &lo, &hi))
        return NULL;
    if (get_buffer(sims_obj, &sims, 0, "d", "sims") < 0)
        return NULL;
    const double *x = (const double *)sims.buf;
    Py_ssize_t n = sims.len / (Py_ssize_t)sizeof(double), best = lo;
    if (lo < 0 || hi > n || lo >= hi) {
        PyBuffer_Release(&sims);
        PyErr_SetString(PyExc_IndexError, "best_of: lo < hi within the array expected");
        return NULL;
    }
    for (Py_ssize_t i = lo + 1; i < hi; i++)
        if (x[i] > x[best])  // (strictly: the first of equals, as max keeps it)
            best = i;
    PyBuffer_Release(&sims);
    return PyLong_FromSsize_t(best);
}

PyDoc_STRVAR(near_anchor_doc,
             "near_anchor(token, grams, anchors, substring_min, similarity)\n\n"
             "Whether a word is close to one of a topic's anchors, each an (anchor, its trigrams) pair: the\n"
             "anchor (of at least substring_min letters) inside the word, the word (of five letters or more)\n"
             "inside the anchor, or their trigrams' Dice similarity at least similarity. grams: the word's\n"
             "trigrams, a set; an anchor's trigrams: a tuple without repeats.");

static PyObject *
near_anchor(PyObject *self, PyObject *args)
{
    PyObject *token, *grams, *anchors;
    Py_ssize_t substring_min;
    double similarity;
    if (!PyArg_ParseTuple(args, "UOOnd:near_anchor", &token, &grams, &anchors, &substring_min, &similarity))
        return NULL;
    if (!PyAnySet_Check(grams) || !PyTuple_Check(anchors)) {
        PyErr_SetString(PyExc_TypeError, "grams: a set, anchors: a tuple expected");
        return NULL;
    }
    Py_ssize_t n = PySet_GET_SIZE(grams), token_length = PyUnicode_GET_LENGTH(token);
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(anchors); i++) {
        PyObject *pair = PyTuple_GET_ITEM(anchors, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 || !PyUnicode_Check(PyTuple_GET_ITEM(pair, 0)) ||
            !PyTuple_Check(PyTuple_GET_ITEM(pair, 1))) {
            PyErr_SetString(PyExc_TypeError, "anchors: (str, tuple) pairs expected");
            return NULL;
        }
        PyObject *anchor = PyTuple_GET_ITEM(pair, 0), *anchor_grams = PyTuple_GET_ITEM(pair, 1);
        Py_ssize_t m = PyTuple_GET_SIZE(anchor_grams);
        double both = (double)(n + m);
        int inside = 0;
        if (PyUnicode_GET_LENGTH(anchor) >= substring_min) {
            inside = PyUnicode_Contains(token, anchor);
            if (inside < 0)
                return NULL;
        }
        if (!inside && token_length >= 5) {
            inside = PyUnicode_Contains(anchor, token);
            if (inside < 0)
                return NULL;
        }
        if (inside)
            Py_RETURN_TRUE;
        if ((double)(2 * (n < m ? n : m)) < similarity * both)
            continue;
        Py_ssize_t shared = 0;
        for (Py_ssize_t j = 0; j < m; j++) {
            int found = PySet_Contains(grams, PyTuple_GET_ITEM(anchor_grams, j));
            if (found < 0)
                return NULL;
            shared += found;
        }
        if ((double)(2 * shared) >= similarity * both)
            Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

static PyMethodDef methods[] = {
    {"char_ngrams", char_ngrams, METH_VARARGS, char_ngrams_doc},
    {"add_postings", add_postings, METH_VARARGS, add_postings_doc},
    {"weigh_query", weigh_query, METH_VARARGS, weigh_query_doc},
    {"near_anchor", near_anchor, METH_VARARGS, near_anchor_doc},
    {"fill_feature_slots", fill_feature_slots, METH_VARARGS, fill_feature_slots_doc},
    {"find_feature", find_feature, METH_VARARGS, find_feature_doc},
    {"best_of", best_of, METH_VARARGS, best_of_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_postings", "The FAQ index's inner loops in C (bot/faq/index.py).", -1, methods,
};

PyMODINIT_FUNC
PyInit__postings(void)
{
    return PyModule_Create(&module);
}
