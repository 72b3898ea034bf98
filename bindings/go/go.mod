module libtdcm/tdcm

go 1.19
