module github.com/deskbridge/deskbridge

go 1.24.0
