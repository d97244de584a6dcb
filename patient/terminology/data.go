package terminology

import "embed"

//go:embed data/*.tsv data/README.md
var dataFS embed.FS

func mustRead(name string) []byte {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		panic("terminology: " + err.Error())
	}
	return b
}
