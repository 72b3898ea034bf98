module libtdcm.invalid/tdcm

go 1.19
