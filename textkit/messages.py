"""English forms of the messages textkit shows users (errors, parse warnings, build progress).

textkit writes its messages in Finnish where they arise (`TextkitError("…")`, parse
warnings). The app shows their English form in English mode: ENGLISH maps each message's
Finnish template, as written in the source with every interpolated value as `{}`, to its
English template, where `{}` (or `{0}`, `{1}` … to reorder) stand for the same values.
tests/test_messages.py reads textkit's source and fails for a message that has no entry
here, so adding a message means adding its English form.

A value that is itself a message ("raportti.pdf: {}" around a parser error) is translated
too. A message without an entry is shown as it is.
"""

from __future__ import annotations

import re
from functools import lru_cache

ENGLISH: dict[str, str] = {
    'spaCy ei ole asennettu ({}). Aja `make setup`.':
        'spaCy is not installed ({}). Run `make setup`.',
    'Python-pakettia libvoikko ei ole asennettu ({}). {}':
        'The Python package libvoikko is not installed ({}). {}',
    'Voikko-kirjastoa tai sen suomen sanastoa ei voitu ladata ({}). {}':
        'The Voikko library or its Finnish dictionary could not be loaded ({}). {}',
    'Asenna Voikko-kirjasto ja sen suomen sanasto: aja `make setup` tai Debianissa/Ubuntussa `apt-get install libvoikko1 voikko-fi` (ja `pip install libvoikko`).':
        'Install the Voikko library and its Finnish dictionary: run `make setup`, or on Debian/Ubuntu `apt-get install libvoikko1 voikko-fi` (and `pip install libvoikko`).',
    'Aineistossa ei ole yhtään katsausta (corpus/editions.toml on tyhjä).':
        'The corpus has no editions (corpus/editions.toml is empty).',
    'Mallikansio {} on tiedosto, ei kansio. Siirrä tiedosto pois tai anna TEXTKIT_MODELS-muuttujalla toinen kansio.':
        'The models folder {} is a file, not a folder. Move the file away or give another folder with TEXTKIT_MODELS.',
    'Mallikansiota {} ei ole, eikä sitä voi luoda ({} ei ole kirjoitettava kansio). Anna TEXTKIT_MODELS-muuttujalla kansio, johon voi kirjoittaa.':
        'The models folder {} does not exist and cannot be created ({} is not a writable folder). Give a writable folder with TEXTKIT_MODELS.',
    'Mallikansiota {} ei voi luoda ({}). Anna TEXTKIT_MODELS-muuttujalla kansio, johon voi kirjoittaa.':
        'The models folder {} cannot be created ({}). Give a writable folder with TEXTKIT_MODELS.',
    'Mallikansioon {} ei voi kirjoittaa (vain luku). Hakuindeksiä ei voi rakentaa sinne; anna kirjoitusoikeus tai toinen kansio TEXTKIT_MODELS-muuttujalla.':
        'The models folder {} cannot be written to (read-only). The search index cannot be built there; give write permission or another folder with TEXTKIT_MODELS.',
    'Mallikansioon {} ei voi kirjoittaa ({}). Hakuindeksiä ei voi rakentaa sinne; anna kirjoitusoikeus tai toinen kansio TEXTKIT_MODELS-muuttujalla.':
        'The models folder {} cannot be written to ({}). The search index cannot be built there; give write permission or another folder with TEXTKIT_MODELS.',
    '{} `textkit build` rakentaa sen uudelleen.':
        '{} `textkit build` rebuilds it.',
    'Edellinen hakuindeksin vaihto kansiossa {} jäi kesken; `textkit build` viimeistelee sen.':
        'The previous swap of the search index in {} was left unfinished; `textkit build` completes it.',
    'Hakuindeksiä ei ole kansiossa {}; `textkit build` rakentaa sen.':
        'There is no search index in {}; `textkit build` builds it.',
    'Rakennustietoa {} ei ole tai se on rikki; `textkit build` rakentaa indeksin uudelleen.':
        'The build record {} is missing or broken; `textkit build` rebuilds the index.',
    'Aineisto tai ohjelma on muuttunut rakentamisen jälkeen; `textkit build` rakentaa indeksin uudelleen.':
        'The corpus or the program has changed since the build; `textkit build` rebuilds the index.',
    'Anna lisättävä tiedosto: textkit corpus add TIEDOSTO --year VUOSI.':
        'Give the file to add: textkit corpus add FILE --year YEAR.',
    'Tiedostoa {} ei ole.':
        'The file {} does not exist.',
    '{}: {} Jos vuosi on oikein, lisää --accept-year.':
        '{}: {} If the year is right, add --accept-year.',
    'Vahvista vuosikatsauksen {} poisto: textkit corpus remove {} --yes.':
        'Confirm removing the {} edition: textkit corpus remove {} --yes.',
    'Anna vuosikatsauksen vuosi numerona (esim. 2025), ei {}.':
        "Give the edition's year as a number (e.g. 2025), not {}.",
    'Konkordanssin voi viedä XLSX- tai CSV-tiedostoon, ei {}-muotoon.':
        'A concordance can be exported to XLSX or CSV, not to {}.',
    '--rename: anna aiheen numero 1–{} ja nimi, esim. --rename 3 "Hankehaut" (sai \'{}\').':
        '--rename: give the topic number 1–{} and the name, e.g. --rename 3 "Hankehaut" (got \'{}\').',
    '--rename nimeää tallennetun mallin aiheen: aja ensin `textkit build` (ilman --k).':
        '--rename names a topic of the stored model: run `textkit build` first (without --k).',
    'Anna joko kaksi teemaa tai --all, ei molempia.':
        'Give either two themes or --all, not both.',
    'Anna kaksi teemaa (tunniste tai numero), esim. `textkit compare 1 5`, tai --all kaikkien teemojen samankaltaisuuteen.':
        'Give two themes (id or number), e.g. `textkit compare 1 5`, or --all for the similarity of all themes.',
    'Anna vietäväksi joko hakulauseke tai --collection NIMI (ei molempia).':
        'Give either a search query or --collection NAME to export (not both).',
    'basket {} tarvitsee: {}.':
        'basket {} needs {}.',
    'kappaleen tunniste':
        'a passage id',
    'otteen tunniste':
        'an excerpt id',
    '--sentences on numero tai väli, esim. 2-3, ei {}.':
        '--sentences takes a number or a range such as 2-3, not {}.',
    'Otteiden tunnisteet ovat numeroita (ks. `textkit basket list`), ei {}.':
        'Excerpt ids are numbers (see `textkit basket list`), not {}.',
    'Valitse kaksi eri teemaa (molemmat ovat {}).':
        'Choose two different themes (both are {}).',
    'Vuosien {} ja {} katsauksilla ei ole yhteisiä teemoja. Jos teemoja on nimetty uudelleen, lisää vanhat tunnisteet tiedostoon corpus/{}.':
        'The {} and {} editions have no themes in common. If themes were renamed, add the old ids to corpus/{}.',
    '{}: teema-aliasten tiedosto ei ole kelvollista TOMLia ({}).':
        '{}: the theme alias file is not valid TOML ({}).',
    '{}: [aliases]-taulun rivien pitää olla muotoa "vanha-tunniste" = "uusi-tunniste".':
        '{}: the rows of the [aliases] table must look like "old-id" = "new-id".',
    'Aineistossa ei ole yhtään vuosikatsausta (corpus/editions.toml on tyhjä).':
        'The corpus has no editions (corpus/editions.toml is empty).',
    'Vuoden {} katsausta ei ole aineistossa. Saatavilla: {}.':
        'The corpus has no {} edition. Available: {}.',
    '--from ja --to ovat molemmat {}: valitse kaksi eri vuosikatsausta.':
        '--from and --to are both {}: choose two different editions.',
    "Tuntematon teema '{}' vuoden {} katsauksessa. {} (Teeman voi antaa myös numerona.)":
        "Unknown theme '{}' in the {} edition. {} (A theme can also be given as its number.)",
    'Teemat: {}':
        'Themes: {}',
    'Teema \'{}\' on vain vuoden {} katsauksessa, ei vuoden {}. Jos se on nimetty uudelleen, lisää rivi "vanha-tunniste" = "uusi-tunniste" tiedoston corpus/{} [aliases]-tauluun.':
        'Theme \'{}\' is only in the {} edition, not in {}. If it was renamed, add the row "old-id" = "new-id" to the [aliases] table of corpus/{}.',
    'Tarkoititko: {}?':
        'Did you mean: {}?',
    'Vuoden {} katsauksessa ei ole tekstiä osioissa 2–5.':
        'The {} edition has no text in sections 2–5.',
    '{}: aineiston luettelo puuttuu (kansiossa {} pitäisi olla {}).':
        '{0}: the corpus manifest is missing (expected {2} in {1}).',
    '{}: aineiston luettelo ei ole kelvollista TOMLia ({}).':
        '{}: the corpus manifest is not valid TOML ({}).',
    "{}: 'edition' pitää olla luettelo [[edition]]-tauluja.":
        "{}: 'edition' must be a list of [[edition]] tables.",
    '{}: vuosikatsauksen rivi {} ei ole taulu.':
        '{}: edition entry {} is not a table.',
    '{}: vuosikatsauksen riviltä {} puuttuu vuosi väliltä {}–{}.':
        '{}: edition entry {} needs a year between {} and {}.',
    "{}: vuosikatsaukselta {} puuttuu 'file', aineistokansiossa olevan tiedoston nimi.":
        "{}: edition {} needs 'file', a file name in the corpus folder.",
    '{}: vuosi {} on luettelossa kahdesti.':
        '{}: year {} is listed twice.',
    '{}: vuosikatsauksen {} tiedostoa {} ei ole kansiossa {}.':
        '{}: edition {} lists {}, which is not in {}.',
    'Aineistossa ei ole vuosikatsausta {} (on: {}).':
        'The corpus has no {} edition (it has: {}).',
    'Vuosikatsaus {} on aineiston ainoa, eikä sitä voi poistaa: lisää ensin toinen vuosikatsaus (tai korvaa tämä uudella tiedostolla).':
        'The {} edition is the only one in the corpus and cannot be removed: add another edition first (or replace this one with a new file).',
    "{}: tiedostotyyppi '{}' ei käy; käytä .pdf-, .docx- tai .txt-tiedostoa.":
        "{}: the file type '{}' is not supported; use a .pdf, .docx or .txt file.",
    '{}: vuoden pitää olla väliltä {}–{}, ei {}.':
        '{}: the year must be between {} and {}, not {}.',
    '{}: tiedosto on tyhjä.':
        '{}: the file is empty.',
    '{}: tiedosto on liian suuri ({} Mt, enintään {} Mt).':
        '{}: the file is too large ({} MB, at most {} MB).',
    '{}: aineistossa on jo vuosikatsaus {} ({}); valitse korvaus, jos haluat korvata sen.':
        '{}: the corpus already has the {} edition ({}); choose replace to replace it.',
    '{}: kansiossa {} on jo tiedosto {}; nimeä tiedosto uudelleen ja yritä uudelleen.':
        '{0}: a file named {2} is already in {1}; rename the file and try again.',
    '{}: {}':
        '{}: {}',
    'Tiedoston raportointipäivä on {}.{}.{}, mutta vuosikatsauksen vuodeksi on annettu {}. Tarkista vuosi: katsauksen vuosi on yleensä raportointipäivän vuosi ({}).':
        "The file's reporting date is {}.{}.{}, but the edition's year was given as {}. Check the year: an edition's year is usually that of its reporting date ({}).",
    'Kokoelmassa {} ei ole otteita tiedostossa {}. Kokoelmat: {}.':
        'Collection {} has no excerpts in {}. Collections: {}.',
    'Kokoelmassa {} on jo tämä lainaus (otetta {} ei siirretty).':
        'Collection {} already holds this quotation (excerpt {} was not moved).',
    'Otteen tunnisteen pitää olla numero, ei {}.':
        'An excerpt id must be a number, not {}.',
    'Otetta {} ei ole tiedostossa {} (ks. `textkit basket list`).':
        'No excerpt {} in {} (see `textkit basket list`).',
    'Tiedostoa {} ei voi käyttää otetietokantana: {} on tiedosto, ei kansio.':
        'Cannot use {} as the excerpt database: {} is a file, not a folder.',
    'Otetietokannan {} kansiota ei voi luoda: {}.':
        'Cannot create the folder of the excerpt database {}: {}.',
    'Otetietokannan polku {} on kansio; anna tiedostonimi.':
        'The excerpt database path {} is a folder; give a file name.',
    'Otetietokannan {} on kirjoittanut uudempi textkit (skeema {}, tämä versio tuntee {}). Päivitä textkit; tiedostoa ei muutettu.':
        'The excerpt database {} was written by a newer textkit (schema {}, this version knows {}). Update textkit; the file was not changed.',
    '{} on SQLite-tietokanta mutta ei textkitin otetietokanta (sen taulut: {}). Valitse toinen tiedosto; tätä ei muutettu.':
        '{} is an SQLite database but not a textkit excerpt database (its tables: {}). Choose another file; this one was not changed.',
    'Otetietokanta {} on toisen ohjelman tai istunnon lukitsema (odotettiin {} s). Yritä hetken päästä uudelleen; mitään ei muutettu.':
        'The excerpt database {} is locked by another program or session (waited {} s). Try again in a moment; nothing was changed.',
    'Otetietokantaa {} ei voi avata: kansio puuttuu tai siihen ei voi kirjoittaa.':
        'Cannot open the excerpt database {}: the folder is missing or not writable.',
    'Otetietokanta {} on vain luku -tilassa; mitään ei muutettu.':
        'The excerpt database {} is read-only; nothing was changed.',
    'Otetietokantaa {} ei voitu käyttää: {}.':
        'The excerpt database {} could not be used: {}.',
    'Otetietokanta {} on rikki tai ei ole SQLite-tietokanta ({}). textkit ei ole muuttanut sitä. Palauta se varmuuskopiosta tai siirrä se syrjään, niin kori alkaa tyhjänä.':
        'The excerpt database {} is damaged or not an SQLite database ({}). textkit has not changed it. Restore it from a backup, or move it aside to start with an empty basket.',
    'Kappaletta {} ei ole aineistossa. Kappaleiden tunnisteet ovat muotoa 2024-01-2-003 (vuosi-teema-osio-järjestysnumero); `textkit search HAKU --json` näyttää ne.':
        'No passage {} in the corpus. Passage ids look like 2024-01-2-003 (year-theme-section-ordinal); `textkit search QUERY --json` shows them.',
    'Virkkeet {}–{} ovat kappaleen ulkopuolella; kappaleessa on {} virkettä.':
        'Sentences {}–{} are outside the passage, which has {} sentence(s).',
    'Lainattu teksti ei ole kappaleesta {}; lainaa se täsmälleen (tai jätä teksti pois, niin koko kappale otetaan).':
        'The quoted text is not part of passage {}; quote it exactly (or leave the text out to take the whole passage).',
    'Kokoelman nimi ei voi olla tyhjä.':
        'The collection name cannot be empty.',
    'Kokoelman nimi on yli {} merkkiä pitkä.':
        'The collection name is longer than {} characters.',
    'Tuntematon vientimuoto {}; käytä jotakin näistä: {}.':
        'Unknown export format {}; use one of {}.',
    'Tiedoston {} pääte on {}, mutta muodoksi on annettu {}. Anna tiedostolle pääte .{} tai jätä --format pois; mitään ei kirjoitettu.':
        'The file {} has the extension {}, but the format given is {}. Give the file the extension .{} or leave --format out; nothing was written.',
    'Vientimuotoa ei voi päätellä nimestä {}: anna tiedostolle jokin päätteistä {} tai käytä valitsinta --format {{{}}}.':
        'Cannot tell the export format from {}: give the file one of the extensions {} or use --format {{{}}}.',
    'Ei vietävää: otteita ei ole.':
        'Nothing to export: no excerpts.',
    'Haku {} ei löytänyt mitään; tiedostoa ei kirjoitettu.{}':
        'The search {} found nothing; no file was written.{}',
    ' Tarkoititko {}?':
        ' Did you mean {}?',
    'Taulukon voi viedä vain XLSX- tai CSV-muodossa, ei {}.':
        'A table can be exported only as XLSX or CSV, not {}.',
    '{} on kansio; anna viennille tiedostonimi.':
        '{} is a folder; give a file name for the export.',
    'Tiedostoa {} ei voi kirjoittaa: kansiota {} ei ole.':
        'Cannot write {}: the folder {} does not exist.',
    'Tiedostoa {} ei voi kirjoittaa: kansioon {} ei ole kirjoitusoikeutta.':
        'Cannot write {}: no permission to write in {}.',
    'Tiedostoa {} ei voi kirjoittaa: nykyinen tiedosto on vain luku -tilassa (sitä ei muutettu).':
        'Cannot write {}: the existing file is read-only (it was not changed).',
    'Tiedostoa {} ei voi kirjoittaa: {}.':
        'Cannot write {}: {}.',
    'Tiedostoa {} ei voi kirjoittaa: {}. Aiempi tiedosto on ennallaan.':
        'Cannot write {}: {}. Any earlier file there is unchanged.',
    '--limit {} ei käy: anna 0 (kaikki osumat) tai positiivinen luku.':
        '--limit {} does not work: give 0 (all hits) or a positive number.',
    'Hakuindeksiä {} ei voitu lukea ({}: {}). Aja `textkit build --force`.':
        'The search index {} could not be read ({}: {}). Run `textkit build --force`.',
    'Osiot {} eivät käy: osiot ovat 1–7, esim. --sections 2,3,4,5.':
        'Sections {} do not work: sections are 1–7, e.g. --sections 2,3,4,5.',
    "Teema '{}' sopii usealle teemalle: {}. Tarkenna.":
        "Theme '{}' fits several themes: {}. Be more specific.",
    "Teemaa '{}' ei ole. Teemat: {}.":
        "There is no theme '{}'. Themes: {}.",
    'Vuoden {} katsausta ei ole hakuindeksissä. Katsaukset: {}.':
        'The search index has no {} edition. Editions: {}.',
    'Kontekstin leveys {} on liian pieni: anna vähintään 10 merkkiä.':
        'The context width {} is too small: give at least 10 characters.',
    'Lajittelu {} ei käy: valitse {}.':
        'Sorting by {} does not work: choose {}.',
    'Kappaleessa ei ole virkkeitä.':
        'The passage has no sentences.',
    'Kollokaattien järjestys {} ei käy: valitse ll tai mi.':
        'Collocate order {} does not work: choose ll or mi.',
    'Ei vietävää: konkordanssissa ei ole rivejä.':
        'Nothing to export: the concordance has no lines.',
    '{}: tiedosto ei ole luettava Word (.docx) -tiedosto ({}).':
        '{}: the file is not a readable Word (.docx) file ({}).',
    '{}: purettuna tiedosto olisi yli {} (raja {}); näin suuri ei voi olla katsaus. Tarkista tiedosto.':
        '{}: unpacked, the file would be over {} (limit {}); a review cannot be that large. Check the file.',
    '{}: osa {} olisi purettuna {} (raja {} yhtä XML-osaa kohden). Tarkista tiedosto.':
        '{}: part {} would be {} unpacked (limit {} per XML part). Check the file.',
    '{}: osa {} purkautuu {}-kertaiseksi (raja {}-kertainen); tiedosto näyttää purkupommilta, eikä sitä lueta.':
        '{}: part {} unpacks to {} times its size (limit {} times); the file looks like a decompression bomb and is not read.',
    '{}: PDF:ssä on {} sivua (raja {}); näin pitkä ei voi olla katsaus.':
        '{}: the PDF has {} pages (limit {}); a review cannot be that long.',
    '{}: sivujen sisältö purkautuu yli {}:ksi jo sivuun {} mennessä (raja {} × tiedoston koko, enintään {}); tiedosto näyttää purkupommilta, eikä sitä lueta.':
        '{}: the page contents unpack to over {} by page {} already (limit {} × the file size, at most {}); the file looks like a decompression bomb and is not read.',
    '{}: sivun {} sisältö purkautuu yli pypdf:n virtakohtaisen rajan ({}); tiedosto näyttää purkupommilta, eikä sitä lueta.':
        "{}: the content of page {} unpacks beyond pypdf's per-stream limit ({}); the file looks like a decompression bomb and is not read.",
    '{}: PDF:n sivua {} ei voi lukea ({}).':
        '{}: page {} of the PDF cannot be read ({}).',
    '{}: PDF:ssä on yli {} merkkiä tekstiä (raja); näin pitkä ei voi olla katsaus.':
        '{}: the PDF has over {} characters of text (the limit); a review cannot be that long.',
    '{}: vuosikatsauksen vuotta ei voi päätellä; anna se valitsimella --year VUOSI.':
        '{}: cannot tell which year this edition is; give it with --year YEAR.',
    '{}: tiedosto on tyhjä (ei jäsennettävää tekstiä).':
        '{}: the file is empty (no text to parse).',
    '{}: tiedostoa ei ole.':
        '{}: no such file.',
    '{}: on kansio, ei katsaustiedosto.':
        '{}: is a folder, not a report file.',
    '{}: tiedosto on liian suuri katsaukseksi ({} Mt).':
        '{}: the file is too large for a report ({} MB).',
    "{}: tiedostotyyppi '{}' ei käy; käytä .txt-, .pdf- tai .docx-tiedostoa.":
        "{}: the file type '{}' is not supported; use a .txt, .pdf or .docx file.",
    '.docx-tiedostojen lukeminen tarvitsee python-docx-paketin: pip install python-docx':
        'Reading .docx files needs python-docx: pip install python-docx',
    '{}: Word-asiakirjassa ei ole tekstiä.':
        '{}: the Word document contains no text.',
    '.pdf-tiedostojen lukeminen tarvitsee pdfplumber-paketin: pip install pdfplumber':
        'Reading .pdf files needs pdfplumber: pip install pdfplumber',
    '{}: PDF:ssä ei ole sivuja.':
        '{}: the PDF has no pages.',
    '{}: PDF on suojattu salasanalla.':
        '{}: the PDF is password-protected.',
    '{}: PDF:ää ei voi lukea ({}).':
        '{}: the PDF cannot be read ({}).',
    '{}: PDF:ssä ei ole tekstikerrosta (se on luultavasti skannattuja kuvia); tunnista teksti OCR:llä tai vie teksti alkuperäisestä asiakirjasta.':
        '{}: the PDF has no text layer (it is probably scanned images); run OCR on it or export the text from the original document.',
    "{}: rivi '{}' toistuu {} sivulla kappaleiden sisällä (ylä- tai alatunniste?).":
        "{}: the line '{}' repeats on {} pages inside passages (a running header or footer?).",
    '{}: teema {} ({}): rahoituksen {}) {} summa puuttuu.':
        '{}: theme {} ({}): funding {}) {} has no amount.',
    '{}: teema {} ({}): yhdessäkään kertovista osioista 2–5 ei ole tekstiä.':
        '{}: theme {} ({}): none of the narrative sections 2–5 has text.',
    "{}: tämä ei näytä ESR+-teemakatsaukselta: yhtään teemaa ('Valtakunnallinen teema') ei löytynyt.":
        "{}: this does not look like an ESR+ theme review: no theme ('Valtakunnallinen teema') was found.",
    '{}: {}: osio {} puuttuu.':
        '{}: {}: section {} is missing.',
    '{}: {}: osio {} on tyhjä.':
        '{}: {}: section {} is empty.',
    'teema {} ({})':
        'theme {} ({})',
    '{}: teema {} ({}): otsaketietoja (yhteystiedot, ministeriö, kausi, rahoitus) ei tunnistettu.':
        '{}: theme {} ({}): the header (contacts, ministry, period, funding) was not recognised.',
    'Teema {}':
        'Theme {}',
    '{}: tiedosto näyttää UTF-16-tekstiltä, mutta sitä ei voi lukea sellaisena.':
        '{}: the file looks like UTF-16 text but cannot be read as such.',
    '{}: tiedosto on binääritiedosto eikä tekstiä (odotettiin .txt-, .pdf- tai .docx-katsausta).':
        '{}: the file is binary, not text (expected a .txt, .pdf or .docx review).',
    '{}: teksti ei ole UTF-8- eikä Windows-1252/Latin-1-merkistöä; tallenna se UTF-8-muodossa ja yritä uudelleen.':
        '{}: the text is neither UTF-8 nor Windows-1252/Latin-1; save it as UTF-8 and try again.',
    '{}: teksti ei ole UTF-8-merkistöä eikä se näytä suomelta Windows-1252/Latin-1-merkistönäkään; tallenna se UTF-8-muodossa ja yritä uudelleen.':
        '{}: the text is not UTF-8, and read as Windows-1252/Latin-1 it does not look Finnish either; save it as UTF-8 and try again.',
    'Tyhjä haku: kirjoita hakusana, esimerkiksi TE24, tekoäly tai "jatkuva oppiminen".':
        'Empty search: type a search word, for example TE24, tekoäly or "jatkuva oppiminen".',
    'Haku on liian pitkä ({} merkkiä, enintään {}). Lyhennä hakua.':
        'The query is too long ({} characters, at most {}). Shorten it.',
    'Haussa on liian monta sanaa ({}, enintään {}). Lyhennä hakua.':
        'The query has too many words ({}, at most {}). Shorten it.',
    'Haussa on liian monta sisäkkäistä sulkua tai NOT/EI-operaattoria ({} tasoa, enintään {}). Poista ylimääräiset sulut.':
        'The query has too many nested parentheses or NOT/EI operators ({} levels, at most {}). Remove the extra parentheses.',
    'EI muoto:… rajaa pois sanamuodon hakusanan osumista: lisää hakusana, esimerkiksi kunta EI muoto:{}.':
        "EI muoto:… leaves a word form out of a query word's matches: add a query word, for example kunta EI muoto:{}.",
    'Haku sisältää vain yleisiä täytesanoja ({}), joita on lähes joka kappaleessa. Lisää sisältösana, tai hae fraasina lainausmerkeissä.':
        'The query has only common filler words ({}), found in almost every passage. Add a content word, or search it as a phrase in quotes.',
    'Haussa ei ole hakusanaa. Kirjoita sana, fraasi lainausmerkeissä tai suodatin (teema:, osio:, vuosi:).':
        'The query has no search word. Type a word, a phrase in quotes or a filter (teema:, osio:, vuosi:).',
    'NOT/EI ei voi olla TAI-vaihtoehto (esim. kunta OR NOT alue). Kirjoita poissulkeva ehto JA-ehtona: kunta NOT alue, tai (kunta OR alue) NOT kuntoutus.':
        'NOT/EI cannot be an OR alternative (e.g. kunta OR NOT alue). Write the exclusion as an AND condition: kunta NOT alue, or (kunta OR alue) NOT kuntoutus.',
    'Haku sisältää vain poissulkevia ehtoja (NOT/EI). Lisää ehto, jonka pitää löytyä, esimerkiksi: kunta NOT kuntoutus.':
        'The query has only exclusions (NOT/EI). Add a condition that must be found, for example: kunta NOT kuntoutus.',
    '--sections {} ei kelpaa: osiot ovat 1–7, esim. --sections 2,3,4,5, --sections 2-5 tai --sections all.':
        '--sections {} does not work: sections are 1–7, e.g. --sections 2,3,4,5, --sections 2-5 or --sections all.',
    'Synonyymitiedosto {} on virheellinen: {}':
        'The synonym file {} is invalid: {}',
    'Synonyymitiedosto {}: ryhmä {} tarvitsee vähintään kaksi sanaa muodossa words = ["TE24", "TE2024"].':
        'Synonym file {}: group {} needs at least two words in the form words = ["TE24", "TE2024"].',
    'Tiedosto {} on virheellinen: {}':
        'The file {} is invalid: {}',
    'Tiedosto {}: {} on luettelo yksittäisiä sanoja, esimerkiksi {} = ["maakunta", "yhteiskunta"].':
        'File {}: {} is a list of single words, for example {} = ["maakunta", "yhteiskunta"].',
    'Tiedosto {}: {} on luettelo sanoja, esimerkiksi {} = ["Oy", "ry"].':
        'File {}: {} is a list of words, for example {} = ["Oy", "ry"].',
    'Hankeluettelon voi viedä XLSX- tai CSV-tiedostoon, ei {}-muotoon.':
        'The project list can be exported to an XLSX or CSV file, not to {}.',
    'XLSX-muoto kirjoitetaan tiedostoon: anna --out HANKKEET.xlsx.':
        'The XLSX format is written to a file: give --out PROJECTS.xlsx.',
    'Lainausmerkki jäi sulkematta: {}. Kirjoita fraasi kahden lainausmerkin väliin, esimerkiksi "jatkuva oppiminen".':
        'A quotation mark was left open: {}. Write the phrase between two quotation marks, for example "jatkuva oppiminen".',
    'Haku ei voi alkaa operaattorilla {}: sen molemmin puolin tarvitaan hakusana.':
        'A query cannot start with the operator {}: it needs a search word on both sides.',
    'Hakua ei voitu tulkita loppuun asti. Tarkista operaattorit ja sulut.':
        'The query could not be read to the end. Check the operators and parentheses.',
    'Operaattorin {} jälkeen puuttuu hakusana.':
        'The operator {} is missing a search word after it.',
    "Sulku '(' jäi sulkematta. Lisää ')' tai poista '('.":
        "The parenthesis '(' was not closed. Add ')' or remove '('.",
    "Sulkeva sulku ')' ilman avaavaa sulkua. Tarkista sulut.":
        "A closing parenthesis ')' without an opening one. Check the parentheses.",
    'Katkaisumerkki * ei toimi fraasin sisällä ("{}"). Käytä sitä yksittäisen sanan lopussa.':
        'The wildcard * does not work inside a phrase ("{}"). Use it at the end of a single word.',
    'muoto: rajaa sanamuodon pois osumista, ja se kirjoitetaan EI:n kanssa: kunta EI muoto:{}.':
        'muoto: leaves a word form out of the matches, and is written with EI: kunta EI muoto:{}.',
    'Suodattimelta {}: puuttuu sana, esimerkiksi sana:kunta.':
        'The filter {}: is missing a word, for example sana:kunta.',
    'Suodattimelta {}: puuttuu arvo, esimerkiksi osio:2, vuosi:2024 tai teema:<tunnus>.':
        'The filter {}: is missing a value, for example osio:2, vuosi:2024 or teema:<id>.',
    'Katkaisumerkki * toimii vain sanan lopussa (kirjoitit {}).':
        'The wildcard * works only at the end of a word (you wrote {}).',
    'Katkaisuhaussa tarvitaan vähintään {} merkkiä ennen tähteä (kirjoitit {}).':
        'A wildcard search needs at least {} characters before the asterisk (you wrote {}).',
    'muoto:{} ei kelpaa: anna sanamuoto tekstin kirjoitusasussa, esimerkiksi EI muoto:maakunnissa, tai alku tähdellä: EI muoto:maakun*.':
        'muoto:{} does not work: give the word form as written in the text, for example EI muoto:maakunnissa, or its start with an asterisk: EI muoto:maakun*.',
    'sana: koskee yhtä sanaa, esimerkiksi sana:kunta.':
        'sana: applies to one word, for example sana:kunta.',
    "Tuntematon kenttä '{}:'. Käytettävissä: {} (esim. osio:2, vuosi:2024, teema:<tunnus>). Jos tarkoitit sanaa, kirjoita se lainausmerkeissä.":
        "Unknown field '{}:'. Available: {} (e.g. osio:2, vuosi:2024, teema:<id>). If you meant a word, write it in quotes.",
    'osio:{} ei kelpaa: osio on numero 1–7, esim. osio:2, osio:2,3 tai osio:2-5.':
        'osio:{} does not work: a section is a number 1–7, e.g. osio:2, osio:2,3 or osio:2-5.',
    'osio:{} ei kelpaa: osiot ovat 1–7.':
        'osio:{} does not work: sections are 1–7.',
    'vuosi:{} ei kelpaa: anna painoksen vuosi, esim. vuosi:2024.':
        "vuosi:{} does not work: give the edition's year, e.g. vuosi:2024.",
    'Aiheiden nimien tiedosto {} on rikki ({}). Korjaa tai poista se; muut tiedot eivät ole siinä.':
        'The topic names file {} is broken ({}). Fix or remove it; nothing else is stored in it.',
    'Aiheiden nimien tiedosto {} ei ole odotetussa muodossa.':
        'The topic names file {} is not in the expected format.',
    'Aihetta {} ei ole mallissa (aiheita on {}).':
        'There is no topic {} in the model (it has {} topics).',
    'Aiheen nimen pitää olla tekstiä.':
        'A topic name must be text.',
    'Aiheen nimessä on ohjausmerkkejä; kirjoita nimi tavallisin kirjaimin.':
        'The topic name has control characters; write it in ordinary letters.',
    'Aiheen nimi on liian pitkä ({} merkkiä, enintään {}).':
        'The topic name is too long ({} characters, at most {}).',
    'Aineisto on liian pieni {} aiheelle: {} kappaletta osioissa 2–5, tarvitaan vähintään {} (3 kappaletta aihetta kohden). Valitse pienempi --k (enintään {}).':
        'The corpus is too small for {} topics: {} passages in sections 2–5, at least {} needed (3 passages per topic). Choose a smaller --k (at most {}).',
    'Aihemallia ei löydy ({}). Aja ensin `textkit build`.':
        'No topic model found ({}). Run `textkit build` first.',
    'Aiheiden määrä --k {} ei käy: valitse {}–{} (oletus {}).':
        'The number of topics --k {} does not work: choose {}–{} (default {}).',
    'Aihemallin tiedosto {} on rikki ({}). Aja `textkit build --force`.':
        'The topic model file {} is broken ({}). Run `textkit build --force`.',
    'Tiedosto {} ei kelpaa: vain PDF-, DOCX- ja TXT-tiedostot voi lisätä (tiedostopääte oli {}).':
        'The file {} is not accepted: only PDF, DOCX and TXT files can be added (the extension was {}).',
    'Tiedosto {} on tyhjä.':
        'The file {} is empty.',
    'Tiedosto {} on liian suuri ({} Mt); enimmäiskoko on {} Mt.':
        'The file {} is too large ({} MB); the maximum size is {} MB.',
    'Tiedosto {} ei ole PDF-tiedosto, vaikka sen pääte on .pdf.':
        'The file {} is not a PDF file, although its extension is .pdf.',
    'Tiedosto {} ei ole Word (DOCX) -tiedosto, vaikka sen pääte on .docx.':
        'The file {} is not a Word (DOCX) file, although its extension is .docx.',
    'Teemasta {} ({}) puuttuu osio {}.':
        'Theme {} ({}) has no section {}.',
    'Tiedostosta ei löytynyt yhtään teemaa.':
        'No themes were found in the file.',
    'Hakuindeksiä ei ole vielä ({}); rakennetaan se':
        'There is no search index yet ({}); building it',
    'Uutta hakuindeksiä rakennetaan parhaillaan; käytetään edellistä':
        'A new search index is being built; the previous one is used meanwhile',
    'Aineisto tai ohjelma on muuttunut; rakennetaan hakuindeksi uudelleen':
        'The corpus or the program has changed; rebuilding the search index',
    'Hakuindeksin tiedosto {} on vaurioitunut: koko {} tavua, rakennettaessa {} tavua.':
        'The search index file {} is damaged: its size is {} bytes, {} bytes when built.',
    'Hakuindeksin tiedosto {} puuttuu.':
        'The search index file {} is missing.',
    '{} Rakennetaan hakuindeksi uudelleen.':
        '{} Rebuilding the search index.',
    'Luetaan katsaukset':
        'Reading the editions',
    'Analysoidaan ja indeksoidaan kappaleet':
        'Analysing and indexing the passages',
    'Rakennetaan aihemalli':
        'Building the topic model',
    'Hakuindeksi ja aihemalli ovat ajan tasalla':
        'The search index and topic model are up to date',
    'Hakuindeksin tiedosto {} on vaurioitunut: sen tarkistussumma ei täsmää rakennustietoon.':
        'The search index file {} is damaged: its checksum does not match the build record.',
    '{} Rakennetaan uudelleen.':
        '{} Rebuilding.',
    'Otetaan uusi hakuindeksi käyttöön':
        'Switching to the new search index',
    'Valmis: {} kappaletta, katsaukset {}':
        'Done: {} passages, editions {}',
    'Indeksoidaan kappaleita {}/{}':
        'Indexing passages {}/{}',
    'Tallennetaan indeksi':
        'Saving the index',
    'Indeksoitu {} kappaletta':
        'Indexed {} passages',
    'Aihemallin sovitus':
        'Fitting the topic model',
    'Aihemalli valmis':
        'Topic model ready',
    'Lemmatisoidaan kappaleita {}/{}':
        'Lemmatising passages {}/{}',
}


def to_english(message: str, lang: str = "en") -> str:
    """The message in `lang`: its English form for "en", the message itself otherwise."""
    if lang != "en":
        return message
    return _translate(message, 0)


def slots(template: str, *, text: bool = False) -> list[str]:
    """The `{}` slots of a Finnish template (`text=True`: the literal text between them instead)."""
    found, pieces, position = [], [], 0
    for slot in _SLOT_RE.finditer(template):
        if slot.group() == "{}":
            found.append(slot.group())
            pieces.append(template[position:slot.start()])
            position = slot.end()
    pieces.append(template[position:])
    return pieces if text else found


# ---------------------------------------------------------------- matching

_SLOT_RE = re.compile(r"\{\{|\}\}|\{\}")
_MAX_DEPTH = 3


def _translate(message: str, depth: int) -> str:
    for pattern, english in _patterns():
        match = pattern.fullmatch(message)
        if match:
            values = match.groups()
            if depth < _MAX_DEPTH:
                values = tuple(_translate(value, depth + 1) if value else value for value in values)
            return english.format(*values)
    return message


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each Finnish template as a regular expression, the most specific (most literal text) first."""
    compiled = []
    for template, english in ENGLISH.items():
        parts, literal = [], 0
        position = 0
        for slot in _SLOT_RE.finditer(template):
            text = template[position:slot.start()]
            parts.append(re.escape(text))
            literal += len(text)
            if slot.group() == "{}":
                parts.append("(.*?)")
            else:
                parts.append(re.escape(slot.group()[0]))
                literal += 1
            position = slot.end()
        parts.append(re.escape(template[position:]))
        literal += len(template) - position
        compiled.append((literal, re.compile("".join(parts), re.DOTALL), english))
    compiled.sort(key=lambda item: -item[0])
    return tuple((pattern, english) for _, pattern, english in compiled)
