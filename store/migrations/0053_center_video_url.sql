-- Where each centre's video service is, as both the viewer's browser and the console reach it:
-- a hall's edge box (`hallwatch edge run --video --public-video-url …` registers itself at
-- start; the admin can change it on 摄像机管理). Null: the console's own video service
-- (HALLWATCH_PUBLIC_VIDEO_URL, HALLWATCH_HOST + HALLWATCH_VIDEO_PORT).
alter table centers add column video_url text check (video_url ~ '^https?://\S+$');
