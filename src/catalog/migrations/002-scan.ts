/** Phase 1 additions (owned by the scan module). */
export const scan = `
SELECT 1;
`;
