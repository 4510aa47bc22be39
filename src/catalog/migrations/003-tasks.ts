/** Task table and runs (owned by the task engine). */
export const tasks = `
SELECT 1;
`;
