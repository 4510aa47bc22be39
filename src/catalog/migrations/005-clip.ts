/** CLIP embeddings and models (owned by the clip stage). */
export const clip = `
SELECT 1;
`;
