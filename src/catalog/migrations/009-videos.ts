/** Video facts (owned by the video stage): one row per video file, and per motion photo for its embedded clip. */
export const videos = `
CREATE TABLE videos (
  file_id       INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  duration_sec  REAL,     -- seconds
  width         INTEGER,  -- displayed size: after the display matrix's rotation and the sample aspect ratio
  height        INTEGER,
  rotation      INTEGER,  -- clockwise degrees a player turns the stored frames (0, 90, 180, 270)
  fps           REAL,
  video_codec   TEXT,     -- ffprobe's codec name (h264, hevc, vp9, ...)
  audio_codec   TEXT,
  container     TEXT,     -- ffprobe's format name
  bit_rate      INTEGER,  -- bits per second, whole file
  poster_sec    REAL,     -- where in the clip the poster was taken
  motion_photo  TEXT,     -- a still with an embedded clip: 'google' | 'microvideo' | 'samsung'; NULL for video files
  clip_offset   INTEGER,  -- motion photos: byte offset and length of the embedded clip in the still's file
  clip_length   INTEGER
);
`;
