"""Sentence templates for the PII head, in 18 languages (written for this project).

Slots: ``{PERSON}`` full name, ``{FIRST}``/``{LAST}`` name parts, ``{CITY}``/``{COUNTRY}``
(LOCATION), ``{STREET}``/``{ZIP}``/``{ADDRESS}`` (ADDRESS), ``{PHONE}``, ``{EMAIL}``, ``{ORG}``
(ORGANIZATION), ``{TITLE}`` (an honorific, not part of the name). In ``neg`` templates the slots
``{CELEB}`` (a public figure or creator), ``{HANDLE}`` (@handle), ``{PLACE}`` (a city or country)
and ``{BRAND}`` (a company) are NOT personal data: people search for them.

``pos`` rows put people beside contact, location or identity data, or ask about a private
person; ``neg`` rows are what users of a video-search chatbot type about public figures.
"""

from __future__ import annotations

__all__ = ["LANGS"]

LANGS: dict[str, dict[str, list[str]]] = {
    "en": {
        "locales": ["en_US", "en_GB", "en_IN", "en_AU", "en_CA", "en_NG", "en_PH"],
        "pos": [
            "My name is {PERSON} and I live at {STREET}, {CITY}.",
            "Please contact {PERSON} at {PHONE} or {EMAIL}.",
            "{PERSON}\n{STREET}\n{CITY} {ZIP}\n{COUNTRY}",
            "Ship it to {PERSON}, {STREET}, {CITY} {ZIP}.",
            "{TITLE} {LAST} moved to {CITY} last year.",
            "where does {PERSON} live? I need her home address",
            "find the phone number of {PERSON} from {CITY}",
            "{PERSON} works at {ORG} in {CITY}.",
            "Hi, I'm {FIRST}, call me on {PHONE}",
            "my neighbour {PERSON} lives on {STREET}",
            "{PERSON} is from {ORG}",
            "We moved here from {CITY}, {COUNTRY}.",
            "{FIRST} shouted at {FIRST2}: stop it!",
            "Invoice to: {ORG}, attn. {PERSON}, {ADDRESS}",
            "what school does {PERSON} go to in {CITY}",
            "I am {PERSON}, born in {CITY}, my number is {PHONE}",
            "Dear {TITLE} {LAST}, your order will arrive at {STREET} tomorrow.",
            "{PERSON} ({EMAIL}) left {ORG} in May.",
            "{PERSON}\n{ORG}\n{STREET}\n{CITY}, {ZIP}\n{COUNTRY}\nMobile: {PHONE}",
            "{PERSON}\n\n{NUM} {STREET}\n {APT}\n {CITY}\n {COUNTRY} {ZIP}\n{PHONE}-Office",
            "Name: {PERSON}\nAddress: {STREET}, {CITY} {ZIP}\nPhone: {PHONE}",
            "{PERSON} worked at {ORG} for two years before moving to {CITY} to join {ORG2}.",
            "After college {FIRST} interned at {ORG} under {PERSON}.",
            "{FIRST} and her husband {FIRST2} live in {CITY} with their kids.",
            "Thanks, {FIRST}\n--\n{PERSON} | {ORG} | {PHONE}",
            "This is {PERSON} from {ORG}, I'm calling about your claim.",
            "everyone calls me {FIRST}",
            "her maiden name was {LAST}",
            "they named the baby {FIRST}",
            "{PERSON} was born in {CITY} and grew up in {COUNTRY}.",
            "My brother {FIRST} just moved to {CITY}.",
            "I met {PERSON} at the {ORG} office in {CITY} yesterday.",
            "The package for {PERSON} was left at {STREET} in {CITY}.",
            "{PERSON} said the meeting with {ORG} is moved to Friday.",
            "{FIRST} flew from {CITY} to {CITY2} last night.",
            "can you tell me where {PERSON} from {ORG} lives",
            "{LAST}, {FIRST}; {STREET}; {CITY}; {ZIP}; {PHONE}",
        ],
        "neg": [
            "{CELEB} new music video", "how tall is {CELEB}", "{CELEB} funniest moments compilation",
            "{CELEB} full album", "{CELEB} speech highlights", "{CELEB} at the {PLACE} concert",
            "who is {CELEB} dating", "{BRAND} stock news today", "{PLACE} food tour",
            "{HANDLE} latest stream", "videos of {PLACE} at night", "{BRAND} ad 2024",
            "best {CELEB} interview", "{CELEB} vs {CELEB2} who is better", "travel vlog {PLACE} 4k",
            "is {HANDLE} still streaming", "{CELEB} live concert full", "{BRAND} new phone review",
            "what happened to {CELEB}", "songs like {CELEB}", "{CELEB} reacts to {HANDLE}",
        ],
    },
    "de": {
        "locales": ["de_DE", "de_AT", "de_CH"],
        "pos": [
            "Ich heiße {PERSON} und wohne in der {STREET} in {CITY}.",
            "Bitte {PERSON} unter {PHONE} anrufen.",
            "{PERSON}\n{STREET}\n{ZIP} {CITY}",
            "Schicken Sie das Paket an {PERSON}, {STREET}, {ZIP} {CITY}.",
            "{TITLE} {LAST} ist letztes Jahr nach {CITY} gezogen.",
            "wo wohnt {PERSON}? ich brauche die adresse",
            "Meine Handynummer ist {PHONE}, Mail: {EMAIL}",
            "{PERSON} arbeitet bei {ORG} in {CITY}.",
            "Mein Nachbar {PERSON} wohnt in der {STREET}.",
            "Rechnung an {ORG}, z. Hd. {PERSON}, {ADDRESS}",
            "Hallo, ich bin {FIRST} aus {CITY}.",
            "finde die nummer von {PERSON} aus {CITY}",
        ],
        "neg": [
            "{CELEB} neues Video", "wie alt ist {CELEB}", "{HANDLE} Stream heute", "Videos von {PLACE} bei Nacht",
            "{BRAND} Werbung", "{CELEB} Interview ganze Folge", "beste Szenen mit {CELEB}",
        ],
    },
    "fr": {
        "locales": ["fr_FR", "fr_CA", "fr_BE", "fr_CH"],
        "pos": [
            "Je m'appelle {PERSON} et j'habite au {STREET} à {CITY}.",
            "Merci de contacter {PERSON} au {PHONE}.",
            "{PERSON}\n{STREET}\n{ZIP} {CITY}",
            "Envoyez le colis à {PERSON}, {STREET}, {ZIP} {CITY}.",
            "{TITLE} {LAST} a déménagé à {CITY} l'an dernier.",
            "où habite {PERSON} ? il me faut son adresse",
            "Mon numéro est le {PHONE}, mon mail {EMAIL}",
            "{PERSON} travaille chez {ORG} à {CITY}.",
            "Ma voisine {PERSON} habite {STREET}.",
            "Bonjour, je suis {FIRST}, de {CITY}.",
            "trouve le numéro de {PERSON} à {CITY}",
        ],
        "neg": [
            "{CELEB} nouveau clip", "quel âge a {CELEB}", "{HANDLE} live ce soir", "vidéos de {PLACE} la nuit",
            "pub {BRAND}", "interview de {CELEB} en entier", "meilleurs moments de {CELEB}",
        ],
    },
    "es": {
        "locales": ["es_ES", "es_MX", "es_AR", "es_CO", "es_CL"],
        "pos": [
            "Me llamo {PERSON} y vivo en {STREET}, {CITY}.",
            "Por favor llama a {PERSON} al {PHONE}.",
            "{PERSON}\n{STREET}\n{ZIP} {CITY}",
            "Envía el paquete a {PERSON}, {STREET}, {ZIP} {CITY}.",
            "{TITLE} {LAST} se mudó a {CITY} el año pasado.",
            "dónde vive {PERSON}? necesito su dirección",
            "Mi número es {PHONE} y mi correo {EMAIL}",
            "{PERSON} trabaja en {ORG} en {CITY}.",
            "Mi vecino {PERSON} vive en {STREET}.",
            "Hola, soy {FIRST}, de {CITY}.",
            "busca el teléfono de {PERSON} de {CITY}",
        ],
        "neg": [
            "{CELEB} nuevo video", "cuántos años tiene {CELEB}", "{HANDLE} directo hoy", "videos de {PLACE} de noche",
            "anuncio de {BRAND}", "entrevista completa {CELEB}", "mejores momentos de {CELEB}",
        ],
    },
    "it": {
        "locales": ["it_IT"],
        "pos": [
            "Mi chiamo {PERSON} e abito in {STREET} a {CITY}.",
            "Per favore chiama {PERSON} al {PHONE}.",
            "{PERSON}\n{STREET}\n{ZIP} {CITY}",
            "Spedisci il pacco a {PERSON}, {STREET}, {ZIP} {CITY}.",
            "{TITLE} {LAST} si è trasferito a {CITY} l'anno scorso.",
            "dove abita {PERSON}? mi serve l'indirizzo",
            "Il mio numero è {PHONE}, la mia email {EMAIL}",
            "{PERSON} lavora da {ORG} a {CITY}.",
            "Ciao, sono {FIRST} di {CITY}.",
        ],
        "neg": [
            "{CELEB} nuovo video", "quanti anni ha {CELEB}", "{HANDLE} live stasera", "video di {PLACE} di notte",
            "pubblicità {BRAND}", "intervista a {CELEB}",
        ],
    },
    "pt": {
        "locales": ["pt_BR", "pt_PT"],
        "pos": [
            "Meu nome é {PERSON} e moro na {STREET}, {CITY}.",
            "Por favor ligue para {PERSON} no {PHONE}.",
            "{PERSON}\n{STREET}\n{ZIP} {CITY}",
            "Envie o pacote para {PERSON}, {STREET}, {ZIP} {CITY}.",
            "{TITLE} {LAST} se mudou para {CITY} no ano passado.",
            "onde mora {PERSON}? preciso do endereço",
            "Meu número é {PHONE}, meu email {EMAIL}",
            "{PERSON} trabalha na {ORG} em {CITY}.",
            "Oi, sou {FIRST}, de {CITY}.",
        ],
        "neg": [
            "{CELEB} clipe novo", "quantos anos tem {CELEB}", "{HANDLE} ao vivo hoje", "vídeos de {PLACE} à noite",
            "propaganda {BRAND}", "entrevista com {CELEB}",
        ],
    },
    "nl": {
        "locales": ["nl_NL", "nl_BE"],
        "pos": [
            "Mijn naam is {PERSON} en ik woon aan de {STREET} in {CITY}.",
            "Bel {PERSON} op {PHONE}.",
            "{PERSON}\n{STREET}\n{ZIP} {CITY}",
            "Stuur het pakket naar {PERSON}, {STREET}, {ZIP} {CITY}.",
            "waar woont {PERSON}? ik heb het adres nodig",
            "{PERSON} werkt bij {ORG} in {CITY}.",
            "Hoi, ik ben {FIRST} uit {CITY}, mail {EMAIL}",
        ],
        "neg": ["{CELEB} nieuwe video", "hoe oud is {CELEB}", "{HANDLE} stream vandaag", "video's van {PLACE}",
                "{BRAND} reclame"],
    },
    "pl": {
        "locales": ["pl_PL"],
        "pos": [
            "Nazywam się {PERSON} i mieszkam przy {STREET} w {CITY}.",
            "Zadzwoń do {PERSON} pod numer {PHONE}.",
            "{PERSON}\n{STREET}\n{ZIP} {CITY}",
            "Wyślij paczkę do {PERSON}, {STREET}, {ZIP} {CITY}.",
            "gdzie mieszka {PERSON}? potrzebuję adresu",
            "{PERSON} pracuje w {ORG} w {CITY}.",
            "Cześć, jestem {FIRST} z {CITY}, mail {EMAIL}",
        ],
        "neg": ["{CELEB} nowy teledysk", "ile lat ma {CELEB}", "{HANDLE} stream dzisiaj", "filmy z {PLACE} nocą",
                "reklama {BRAND}"],
    },
    "ru": {
        "locales": ["ru_RU"],
        "pos": [
            "Меня зовут {PERSON}, я живу по адресу {STREET}, {CITY}.",
            "Позвоните {PERSON} по номеру {PHONE}.",
            "{PERSON}\n{STREET}\n{CITY}, {ZIP}",
            "Отправьте посылку: {PERSON}, {ADDRESS}.",
            "где живёт {PERSON}? нужен адрес",
            "{PERSON} работает в {ORG} в городе {CITY}.",
            "Привет, я {FIRST} из {CITY}, почта {EMAIL}",
        ],
        "neg": ["{CELEB} новый клип", "сколько лет {CELEB}", "{HANDLE} стрим сегодня", "видео {PLACE} ночью",
                "реклама {BRAND}", "интервью {CELEB}"],
    },
    "tr": {
        "locales": ["tr_TR"],
        "pos": [
            "Benim adım {PERSON}, {CITY} şehrinde {STREET} adresinde oturuyorum.",
            "Lütfen {PERSON} ile {PHONE} numarasından iletişime geçin.",
            "{PERSON}\n{STREET}\n{ZIP} {CITY}",
            "Paketi {PERSON}, {ADDRESS} adresine gönderin.",
            "{PERSON} nerede oturuyor? adresi lazım",
            "{PERSON}, {CITY} şehrinde {ORG} şirketinde çalışıyor.",
            "Merhaba, ben {FIRST}, {CITY}'den. E-posta: {EMAIL}",
        ],
        "neg": ["{CELEB} yeni klip", "{CELEB} kaç yaşında", "{HANDLE} yayın bugün", "{PLACE} gece videoları",
                "{BRAND} reklamı"],
    },
    "ja": {
        "locales": ["ja_JP"],
        "pos": [
            "私の名前は{PERSON}です。住所は{ADDRESS}です。",
            "{PERSON}さんの電話番号は{PHONE}です。",
            "{PERSON}\n〒{ZIP}\n{ADDRESS}",
            "{PERSON}さんはどこに住んでいますか？住所を教えて",
            "{PERSON}は{CITY}の{ORG}で働いています。",
            "連絡先：{PERSON}（{EMAIL}）",
        ],
        "neg": ["{CELEB} 新曲", "{CELEB} 何歳", "{HANDLE} 配信", "{PLACE} 夜景 動画", "{BRAND} CM", "{CELEB} インタビュー"],
    },
    "ko": {
        "locales": ["ko_KR"],
        "pos": [
            "제 이름은 {PERSON}입니다. 주소는 {ADDRESS}입니다.",
            "{PERSON} 씨 전화번호는 {PHONE}입니다.",
            "{PERSON}\n{ADDRESS}\n{ZIP}",
            "{PERSON} 씨는 어디에 살아요? 주소 알려줘",
            "{PERSON}은 {CITY}에 있는 {ORG}에서 일해요.",
            "연락처: {PERSON}, {EMAIL}",
        ],
        "neg": ["{CELEB} 신곡", "{CELEB} 나이", "{HANDLE} 방송", "{PLACE} 야경 영상", "{BRAND} 광고", "{CELEB} 인터뷰"],
    },
    "zh": {
        "locales": ["zh_CN", "zh_TW"],
        "pos": [
            "我叫{PERSON}，住在{ADDRESS}。",
            "请拨打{PHONE}联系{PERSON}。",
            "{PERSON}\n{ADDRESS}\n{ZIP}",
            "{PERSON}住在哪里？我需要他的地址",
            "{PERSON}在{CITY}的{ORG}工作。",
            "联系人：{PERSON}，邮箱{EMAIL}",
        ],
        "neg": ["{CELEB} 新歌", "{CELEB} 多大了", "{HANDLE} 直播", "{PLACE} 夜景 视频", "{BRAND} 广告", "{CELEB} 采访"],
    },
    "ar": {
        "locales": ["ar_SA", "ar_AA"],
        "pos": [
            "اسمي {PERSON} وأسكن في {STREET}، {CITY}.",
            "يرجى الاتصال بـ {PERSON} على الرقم {PHONE}.",
            "{PERSON}\n{ADDRESS}",
            "أين يسكن {PERSON}؟ أحتاج العنوان",
            "{PERSON} يعمل في {ORG} في {CITY}.",
            "مرحبا، أنا {FIRST} من {CITY}، بريدي {EMAIL}",
        ],
        "neg": ["{CELEB} فيديو جديد", "كم عمر {CELEB}", "{HANDLE} بث مباشر", "فيديوهات {PLACE} ليلا", "إعلان {BRAND}"],
    },
    "hi": {
        "locales": ["hi_IN"],
        "pos": [
            "मेरा नाम {PERSON} है और मैं {STREET}, {CITY} में रहता हूँ।",
            "कृपया {PERSON} को {PHONE} पर कॉल करें।",
            "{PERSON}\n{ADDRESS}",
            "{PERSON} कहाँ रहते हैं? मुझे उनका पता चाहिए",
            "{PERSON} {CITY} में {ORG} में काम करते हैं।",
            "नमस्ते, मैं {FIRST} हूँ, ईमेल {EMAIL}",
        ],
        "neg": ["{CELEB} नया गाना", "{CELEB} की उम्र", "{HANDLE} लाइव", "{PLACE} रात के वीडियो", "{BRAND} विज्ञापन"],
    },
    "id": {
        "locales": ["id_ID"],
        "pos": [
            "Nama saya {PERSON}, saya tinggal di {STREET}, {CITY}.",
            "Tolong hubungi {PERSON} di {PHONE}.",
            "{PERSON}\n{ADDRESS}",
            "{PERSON} tinggal di mana? aku butuh alamatnya",
            "{PERSON} bekerja di {ORG} di {CITY}.",
            "Halo, saya {FIRST} dari {CITY}, email {EMAIL}",
        ],
        "neg": ["{CELEB} video terbaru", "umur {CELEB}", "{HANDLE} live hari ini", "video {PLACE} malam hari",
                "iklan {BRAND}"],
    },
    "vi": {
        "locales": ["vi_VN"],
        "pos": [
            "Tên tôi là {PERSON}, tôi sống ở {STREET}, {CITY}.",
            "Vui lòng gọi cho {PERSON} theo số {PHONE}.",
            "{PERSON}\n{ADDRESS}",
            "{PERSON} sống ở đâu? tôi cần địa chỉ",
            "{PERSON} làm việc tại {ORG} ở {CITY}.",
            "Xin chào, mình là {FIRST}, email {EMAIL}",
        ],
        "neg": ["{CELEB} video mới", "{CELEB} bao nhiêu tuổi", "{HANDLE} livestream", "video {PLACE} về đêm",
                "quảng cáo {BRAND}"],
    },
    "th": {
        "locales": ["th_TH"],
        "pos": [
            "ฉันชื่อ{PERSON} อยู่ที่{ADDRESS}",
            "กรุณาโทรหา{PERSON}ที่เบอร์ {PHONE}",
            "{PERSON}\n{ADDRESS}",
            "{PERSON}อยู่ที่ไหน ขอที่อยู่หน่อย",
            "{PERSON}ทำงานที่{ORG} {CITY}",
        ],
        "neg": ["{CELEB} เพลงใหม่", "{CELEB} อายุเท่าไหร่", "{HANDLE} ไลฟ์", "วิดีโอ{PLACE}ตอนกลางคืน", "โฆษณา{BRAND}"],
    },
}
"""Per language: Faker locales, personal-data templates (``pos``) and look-alikes (``neg``)."""

TITLES: dict[str, list[str]] = {
    "en": ["Mr.", "Mrs.", "Ms.", "Dr.", "Miss"], "de": ["Herr", "Frau", "Dr."], "fr": ["M.", "Mme", "Mlle"],
    "es": ["Sr.", "Sra.", "Don", "Doña"], "it": ["Sig.", "Sig.ra", "Dott."], "pt": ["Sr.", "Sra."],
}

CELEBS: tuple[str, ...] = (
    "Taylor Swift", "MrBeast", "PewDiePie", "Cristiano Ronaldo", "Lionel Messi", "BTS", "Blackpink", "Shakira",
    "Bad Bunny", "Beyoncé", "Drake", "Billie Eilish", "Ed Sheeran", "Ariana Grande", "Rihanna", "Elon Musk",
    "Barack Obama", "Joe Biden", "Donald Trump", "Narendra Modi", "Shah Rukh Khan", "Virat Kohli",
    "Priyanka Chopra", "Jackie Chan", "Jay Chou", "Lisa", "Jungkook", "IU", "Hayao Miyazaki", "Kenshi Yonezu",
    "Stromae", "Kylian Mbappé", "Zinedine Zidane", "Rosalía", "Enrique Iglesias", "Anitta", "Neymar",
    "Andrea Bocelli", "Måneskin", "Lewis Hamilton", "Max Verstappen", "Angela Merkel", "Helene Fischer",
    "Rammstein", "Tarkan", "Amr Diab", "Fairuz", "Mohamed Salah", "Nancy Ajram", "Agnez Mo", "Sơn Tùng M-TP",
    "Keanu Reeves", "Tom Holland", "Zendaya", "Dua Lipa", "Adele", "Harry Styles", "The Weeknd", "Kim Kardashian",
    "Oprah Winfrey", "LeBron James", "Serena Williams", "Roger Federer", "Rafael Nadal", "Novak Djokovic",
    "Usain Bolt", "Marques Brownlee", "Ninja", "Pokimane", "xQc", "Kai Cenat", "IShowSpeed", "Markiplier",
    "Jacksepticeye", "CarryMinati", "Bhuvan Bam", "Khaby Lame", "Charli D'Amelio", "Ibai Llanos", "AuronPlay",
    "Squeezie", "Gronkh", "HikakinTV", "Luis Fonsi", "Daddy Yankee", "Karol G", "J Balvin", "Maluma",
    "Lady Gaga", "Bruno Mars", "Eminem", "Snoop Dogg", "Selena Gomez", "Justin Bieber", "Miley Cyrus",
    "Leonardo DiCaprio", "Brad Pitt", "Scarlett Johansson", "Margot Robbie", "Ryan Reynolds", "Dwayne Johnson",
    "Vin Diesel", "Will Smith", "Morgan Freeman", "Gordon Ramsay", "David Attenborough", "Greta Thunberg",
    "Emmanuel Macron", "Vladimir Putin", "Xi Jinping", "Pope Francis", "King Charles", "Lula",
    "周杰伦", "成龙", "宫崎骏", "米津玄師", "宇多田ヒカル", "아이유", "방탄소년단", "블랙핑크", "손흥민",
    "Путин", "Алла Пугачёва", "Егор Крид", "عمرو دياب", "محمد صلاح", "शाहरुख़ ख़ान", "विराट कोहली", "ลิซ่า",
)
"""Public figures and creators (searched for by name: not personal data)."""

HANDLE_WORDS: tuple[str, ...] = (
    "gamer", "official", "tv", "live", "plays", "music", "vlogs", "daily", "clips", "hd", "fan", "news",
)
