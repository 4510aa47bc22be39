/** The least cosine an int8 variant's embeddings must keep to its float32 original's (`models verify --against`). */
export const minAgreement = 0.99;
