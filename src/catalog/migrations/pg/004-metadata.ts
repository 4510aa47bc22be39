/** PostgreSQL twin of ../004-metadata.ts. */
export const metadata = `
CREATE TABLE thumbnails (
  file_id       bigint  PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  identity      text    NOT NULL,
  thumb_path    text    NOT NULL,
  preview_path  text    NOT NULL,
  width         bigint  NOT NULL,
  height        bigint  NOT NULL,
  thumbhash     text
);

CREATE TABLE exif (
  file_id          bigint PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  taken_at         text,
  taken_at_ms      bigint,
  taken_at_source  text,
  make             text,
  model            text,
  lens             text,
  iso              bigint,
  exposure_time    double precision,
  f_number         double precision,
  focal_length     double precision,
  focal_length_35  double precision,
  gps_lat          double precision,
  gps_lon          double precision,
  gps_alt          double precision,
  orientation      bigint,
  width            bigint,
  height           bigint,
  software         text,
  tags_json        text
);
CREATE INDEX exif_taken ON exif(taken_at_ms);

CREATE TABLE xmp (
  file_id       bigint PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  rating        bigint,
  label         text,
  title         text,
  description   text,
  keywords      text,
  hierarchical  text,
  creator       text,
  rights        text,
  people        text,
  source        text
);
`;
