/* Four inner loops of the FAQ index (bot/faq/index.py `_char_ngrams`, `_add_postings`, `_weigh_query` and
 * `_near_anchor`), in C: the same arithmetic in the same order, so the scores are the same to the last bit. Built with the package when a C
 * compiler is there (setup.py, optional); without it, index.py runs its own Python loops. A third of the CPU
 * of matching a question went into them (bench/bench_update.py). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
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
    PyObject *fid_object;  // (the table's own int, borrowed)
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

PyDoc_STRVAR(weigh_query_doc,
             "weigh_query(counts, prefix, table, idf, unknown_idf) -> list of (feature, weight)\n\n"
             "The question's features known to the index with their normalised weights, rarest first\n"
             "(features unknown to the index count in the norm with unknown_idf).");

static PyObject *
weigh_query(PyObject *self, PyObject *args)
{
    PyObject *counts, *prefix, *table, *idf_obj, *result = NULL;
    double unknown_idf;
    Py_buffer idf;
    if (!PyArg_ParseTuple(args, "O!UO!Od:weigh_query", &PyDict_Type, &counts, &prefix, &PyDict_Type, &table,
                          &idf_obj, &unknown_idf))
        return NULL;
    if (get_buffer(idf_obj, &idf, 0, "f", "idf") < 0)
        return NULL;
    const float *idfs = (const float *)idf.buf;
    Py_ssize_t n_idf = idf.len / (Py_ssize_t)sizeof(float), count = 0, pos = 0;
    Feature *features = PyMem_Malloc((PyDict_GET_SIZE(counts) + 1) * sizeof(Feature));
    if (features == NULL) {
        PyErr_NoMemory();
        goto release;
    }
    int prefixed = PyUnicode_GET_LENGTH(prefix) > 0;
    double norm = 0.0;
    PyObject *name, *tf_object;
    while (PyDict_Next(counts, &pos, &name, &tf_object)) {
        PyObject *key = prefixed ? PyUnicode_Concat(prefix, name) : name;
        if (key == NULL)
            goto done;
        PyObject *fid_object = PyDict_GetItemWithError(table, key);
        if (prefixed)
            Py_DECREF(key);
        if (fid_object == NULL && PyErr_Occurred())
            goto done;
        double tf = PyFloat_AsDouble(tf_object);
        if (tf == -1.0 && PyErr_Occurred())
            goto done;
        double weight_of_idf = unknown_idf;
        Py_ssize_t fid = -1;
        if (fid_object != NULL) {
            fid = PyLong_AsSsize_t(fid_object);
            if (fid == -1 && PyErr_Occurred())
                goto done;
            if (fid < 0 || fid >= n_idf) {
                PyErr_SetString(PyExc_IndexError, "table: feature out of range");
                goto done;
            }
            weight_of_idf = (double)idfs[fid];
        }
        double weight = (tf > 1.0 ? 1.0 + log(tf) : tf) * weight_of_idf;
        norm += weight * weight;
        if (fid_object != NULL && weight_of_idf > 0.0)
            features[count++] = (Feature){weight_of_idf, fid, fid_object, weight};
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
        PyObject *pair = Py_BuildValue("(Od)", features[i].fid_object, features[i].weight / norm);
        if (pair == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, pair);
    }
done:
    PyMem_Free(features);
release:
    PyBuffer_Release(&idf);
    return result;
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
