/** PostgreSQL twin of ../009-videos.ts. */
export const videos = `
CREATE TABLE videos (
  file_id       bigint PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  duration_sec  double precision,
  width         bigint,
  height        bigint,
  rotation      bigint,
  fps           double precision,
  video_codec   text,
  audio_codec   text,
  container     text,
  bit_rate      bigint,
  poster_sec    double precision,
  motion_photo  text,
  clip_offset   bigint,
  clip_length   bigint
);
`;
