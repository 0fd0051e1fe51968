# xlogo (x11-apps): a window, and nothing of yours.
include default-app
include gui
