"""
The raw material of the generated archive: words, names, places and institutions.

Lists are ordered most frequent first where frequency matters (the generator
draws from them with Zipf-like weights), so a few words appear in nearly every
article and the long tail in very few, as in real text.
"""

# Function words first, then the magazine's vocabulary; the generator weights by rank.
ENGLISH = list(
    dict.fromkeys(
        """
the of and to in a is that for on as with by it was its at from this be are which not has have
an but were their they or more had been will also than its would new into after over between
who about against while these other such only since both under them most there when can all
could what may one two first last year years government policy security country countries
states state foreign minister president region regional relations economic political military
trade energy international national world power powers cooperation development strategy war
peace talks agreement support interests influence border sanctions market markets growth crisis
leaders leadership officials parliament elections election party opposition reform reforms
investment investments gas oil pipeline nuclear defence alliance partners partnership summit
conflict ceasefire negotiations diplomacy diplomats embassy treaty council union bloc
sovereignty stability integration infrastructure corridor transport ports railway grain food
prices inflation currency debt banks finance budget exports imports tariffs industry industrial
technology digital cyber intelligence army navy missile missiles troops exercises base bases
refugees migration population society religious ethnic minority history historical memory
culture media press public opinion analysts experts observers researchers study report
however although because therefore meanwhile nevertheless moreover indeed perhaps rather
already still again never always often now then today tomorrow yesterday recently soon long
short large small major minor key main central northern southern eastern western global local
domestic strategic economic tactical historic decisive uncertain fragile growing declining rising
falling strong weak old young early late broad narrow direct indirect formal informal
open closed secret official unofficial bilateral multilateral trilateral
called said noted argued warned stressed announced signed rejected accepted proposed
expected remained became turned moved helped allowed forced led made took gave saw found
began ended continued increased reduced raised cut built opened closed launched hosted
visited met agreed discussed reviewed considered faced lost won held kept brought sent
decade century month week spring summer autumn winter capital city cities province provinces
coast island islands river sea ocean mountains desert valley steppe frontier neighbours
neighbour ally allies rival rivals adversary partner competitor competition mediation
mediator envoy delegation visit visits meeting meetings forum forums declaration communique
memorandum protocol framework roadmap initiative initiatives project projects programme
fund funds loan loans credit grants aid assistance humanitarian relief reconstruction
balance order system hegemony multipolar unipolar sphere spheres zone zones axis
narrative narratives rhetoric propaganda sentiment consensus dissent protest protests
coalition cabinet ministry ministries agency agencies commission committee court courts
constitution law laws rights justice corruption transparency accountability governance
""".split()
    )
)

# The long tail: words that each appear in few articles, as proper names and rarer terms do.
ENGLISH_RARE = """
archipelago bulwark cartography condominium demarche entente irredentism realpolitik
rapprochement revanchism suzerainty tributary vassal viceroy protectorate mandate enclave
exclave hinterland littoral isthmus strait peninsula plateau estuary delta monsoon permafrost
tundra taiga caravanserai bazaar khanate emirate sultanate principality voivodeship oblast
krai okrug prefecture canton governorate satrapy dynasty mandarin janissary cossack nomad
pastoralist caravan silk porcelain saffron cotton tungsten lithium cobalt antimony helium
uranium bauxite phosphate potash jute indigo tea rubber guano amber sable ermine sturgeon
caviar pomegranate apricot pistachio walnut barley millet sorghum cassava quinoa
""".split()

RUSSIAN = """
и в не на с что по как это из за для от к о до также но его их она они был была было были
может будет более после между при уже только еще где когда который которые этого этом
россия россии китай китая страна страны государство политика безопасность сотрудничество
экономика экономики развитие регион региона отношения переговоры соглашение санкции
энергетика нефть газ торговля рынок рост кризис власть правительство президент министр
выборы партия армия граница союз союзники партнеры интересы влияние стратегия история
общество культура мир война конфликт диалог саммит договор проект инвестиции транспорт
коридор порт железная дорога зерно инфляция валюта долг банк бюджет экспорт импорт
новый новая новые важный главный восточный западный южный северный глобальный
региональный международный экономический политический военный стратегический
""".split()

FRENCH = """
le la les de des du et à en un une est que qui pour dans sur par avec pas plus au aux
ce cette ces son sa ses leur leurs été être avoir fait sont mais aussi entre après
politique sécurité coopération économie développement région relations pays état
gouvernement président ministre élections parti armée frontière alliance partenaires
intérêts influence stratégie histoire société culture paix guerre conflit dialogue
sommet traité projet investissements transport commerce énergie pétrole marché croissance
crise pouvoir sanctions accord négociations diplomatie nouveau nouvelle grand grande
""".split()

# Phrases quoted in Russian inside English articles, as the magazine does.
RUSSIAN_QUOTES = [
    "Худой мир лучше доброй ссоры",
    "Восток — дело тонкое",
    "Доверяй, но проверяй",
    "Тише едешь — дальше будешь",
    "Без труда не вытащишь и рыбку из пруда",
    "Москва не сразу строилась",
]

SECTIONS = [
    # (name, share of articles): the first is the magazine's main rubric, a list of thousands.
    ("Politics", 45),
    ("Economics", 15),
    ("Security", 12),
    ("Energy", 8),
    ("Diplomacy", 8),
    ("Society", 5),
    ("Culture", 4),
    ("Opinion", 3),
]

# Region > sub-region > countries (name, ISO 3166-1 alpha-2).
REGIONS = {
    "Asia": {
        "East Asia": [
            ("China", "CN"),
            ("Japan", "JP"),
            ("South Korea", "KR"),
            ("North Korea", "KP"),
            ("Mongolia", "MN"),
            ("Taiwan", "TW"),
        ],
        "South-East Asia": [
            ("Vietnam", "VN"),
            ("Indonesia", "ID"),
            ("Thailand", "TH"),
            ("Philippines", "PH"),
            ("Malaysia", "MY"),
            ("Myanmar", "MM"),
            ("Singapore", "SG"),
        ],
        "South Asia": [
            ("India", "IN"),
            ("Pakistan", "PK"),
            ("Bangladesh", "BD"),
            ("Sri Lanka", "LK"),
            ("Nepal", "NP"),
            ("Afghanistan", "AF"),
        ],
        "Central Asia": [
            ("Kazakhstan", "KZ"),
            ("Uzbekistan", "UZ"),
            ("Kyrgyzstan", "KG"),
            ("Tajikistan", "TJ"),
            ("Turkmenistan", "TM"),
        ],
    },
    "Middle East": {
        "Gulf": [
            ("Saudi Arabia", "SA"),
            ("United Arab Emirates", "AE"),
            ("Qatar", "QA"),
            ("Oman", "OM"),
            ("Kuwait", "KW"),
        ],
        "Levant": [("Syria", "SY"), ("Lebanon", "LB"), ("Israel", "IL"), ("Jordan", "JO"), ("Iraq", "IQ")],
        "Anatolia and Iran": [("Turkey", "TR"), ("Iran", "IR")],
    },
    "Europe": {
        "Western Europe": [("France", "FR"), ("Germany", "DE"), ("United Kingdom", "GB"), ("Italy", "IT")],
        "Eastern Europe": [("Russia", "RU"), ("Ukraine", "UA"), ("Belarus", "BY"), ("Poland", "PL"), ("Moldova", "MD")],
        "South Caucasus": [("Armenia", "AM"), ("Azerbaijan", "AZ"), ("Georgia", "GE")],
        "Central Europe": [("Hungary", "HU"), ("Serbia", "RS"), ("Slovakia", "SK")],
    },
    "Africa": {
        "North Africa": [("Egypt", "EG"), ("Libya", "LY"), ("Algeria", "DZ"), ("Morocco", "MA")],
        "Sub-Saharan Africa": [
            ("Nigeria", "NG"),
            ("Ethiopia", "ET"),
            ("South Africa", "ZA"),
            ("Mali", "ML"),
            ("Sudan", "SD"),
            ("Kenya", "KE"),
        ],
    },
    "Americas": {
        "North America": [("United States", "US"), ("Canada", "CA"), ("Mexico", "MX")],
        "Latin America": [("Brazil", "BR"), ("Argentina", "AR"), ("Venezuela", "VE"), ("Cuba", "CU"), ("Chile", "CL")],
    },
}
# How often each region's countries are written about: an eastern outlook.
REGION_SHARE = {"Asia": 40, "Middle East": 20, "Europe": 20, "Africa": 10, "Americas": 10}

# Academy > institutes > departments; invented names, with the shape of the real ones.
ACADEMIES = {
    ("Northern Academy of Sciences", "RU"): {
        "Institute of Oriental Studies": [
            "Department for Korea and Mongolia",
            "Department of Chinese Studies",
            "Centre for Central Asian Studies",
        ],
        "Institute of World Economy": ["Department of Energy Markets", "Centre for Trade Policy"],
        "Institute of Far Eastern Studies": ["Department of Japanese Studies", "Centre for Maritime Affairs"],
        "Institute of European Studies": ["Department of European Integration", "Centre for Balkan Studies"],
    },
    ("Eastern Academy of Social Sciences", "CN"): {
        "Institute of International Relations": ["Department of Eurasian Studies", "Centre for Security Studies"],
        "Institute of Economics": ["Department of Development Economics", "Centre for Belt and Road Studies"],
        "Institute of Asia-Pacific Studies": ["Department of South-East Asian Studies"],
    },
    ("Continental Academy of Political Studies", "FR"): {
        "Institute of Mediterranean Studies": ["Centre for North African Studies", "Department of Levant Studies"],
        "Institute of African Studies": ["Department of Sahel Studies", "Centre for Development Policy"],
    },
    ("Southern Academy of Strategic Research", "IN"): {
        "Institute of Ocean Affairs": ["Department of Indian Ocean Studies", "Centre for Energy Security"],
        "Institute of Asian Economics": ["Department of Trade and Connectivity"],
    },
}
# Top-level bodies without sub-units.
OTHER_INSTITUTIONS = [
    ("State University of International Relations", "university", "RU"),
    ("Riverside University", "university", "GB"),
    ("Caspian Policy Forum", "think_tank", "AZ"),
    ("Centre for Strategic Assessment", "think_tank", "RU"),
    ("Gulf Research Council", "think_tank", "AE"),
    ("Institute for Global Affairs", "think_tank", "US"),
    ("Ministry of Foreign Affairs Diplomatic Academy", "government", "RU"),
    ("Eurasian News Agency", "media", "KZ"),
]

RUSSIAN_MALE = """
Александр Алексей Андрей Борис Вадим Валерий Виктор Владимир Георгий Дмитрий Евгений Иван
Игорь Кирилл Константин Леонид Михаил Никита Николай Олег Павел Пётр Роман Сергей Станислав
Тимур Фёдор Юрий Ярослав Григорий Руслан Эдуард Захар Аркадий
""".split()
RUSSIAN_FEMALE = """
Анна Валентина Вера Галина Дарья Екатерина Елена Ирина Ксения Людмила Мария Наталья Ольга
Светлана Татьяна Юлия Яна Жанна Зоя Полина
""".split()
RUSSIAN_SURNAMES = """
Кушхов Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов
Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров
Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин
Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов
Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов
Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников
Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов
Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов
Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв
Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров Грачёв
Котов Гришин Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев
Бирюков Горбунов Анисимов Ерёмин Тихомиров Галкин Лукьянов Михеев Скворцов Юдин Белоусов
Нестеров Симонов Прокофьев Харитонов Князев Цветков Левин Митрофанов Воронцов Аксёнов
Гаврилин Третьяков Хохлов Ширяев Чекмарёв Ястребов Эйдельман Успенский Вознесенский Троицкий
""".split()

# Other authors, by name as they sign in Latin script.
OTHER_FIRST = """
Wei Li Ming Hao Jun Mei Hiroshi Yuki Kenji Min-jun Ji-woo Arjun Priya Rahul Ananya Omar Layla
Karim Fatima Ahmed Yusuf Aylin Emre Pierre Claire Antoine Sophie Hans Greta Marco Giulia
Carlos Lucia Diego Ana Kwame Amara Thabo Zanele John Sarah
""".split()
OTHER_SURNAMES = """
Wang Zhang Chen Liu Yang Huang Zhao Tanaka Suzuki Watanabe Kim Park Choi Sharma Patel Gupta
Singh Haddad Khalil Mansour Nasser Farouk Yilmaz Demir Kaya Dubois Laurent Moreau Lefebvre
Schneider Fischer Weber Rossi Bianchi Romano Garcia Fernandez Lopez Silva Mensah Okafor Dlamini
Nkosi Smith Johnson Brown Taylor
""".split()

POSITIONS = [
    "Senior Research Fellow",
    "Leading Research Fellow",
    "Research Fellow",
    "Head of Department",
    "Professor",
    "Associate Professor",
    "Director",
    "Deputy Director",
    "Independent analyst",
    "Political scientist",
    "Orientalist",
    "Economist",
]
DEGREES = [
    "",
    "",
    "PhD in History",
    "PhD in Political Science",
    "PhD in Economics",
    "Doctor of Historical Sciences",
    "Candidate of Political Sciences",
]

# Tags: real topics first, then places and combinations until there are enough.
TOPICS = (
    """
sanctions|energy security|BRICS|SCO|ASEAN|nuclear programme|Belt and Road|elections|terrorism|migration|
oil|gas|grain|trade wars|arms control|maritime disputes|water security|climate|food security|debt|
de-dollarisation|pipelines|shipping|rare earths|semiconductors|cyber security|disinformation|
peacekeeping|refugees|religion|ethnic conflict|border disputes|military exercises|arms trade|
humanitarian aid|reconstruction|mediation|summits|multipolarity|hegemony|alliances|neutrality|
transport corridors|railways|ports|nuclear energy|renewables|LNG|OPEC|currency|inflation|tourism|
education|soft power|media|history|memory politics|diaspora|protests|coups|constitution|
""".replace("\n", "")
    .strip("|")
    .split("|")
)
TOPIC_ADJECTIVES = """
regional global maritime Arctic Caspian Pacific Atlantic Eurasian Asian African Gulf Balkan
economic military digital nuclear energy strategic humanitarian
""".split()
TOPIC_NOUNS = """
security trade policy diplomacy integration cooperation rivalry order finance infrastructure
logistics governance development affairs connectivity
""".split()
RUSSIAN_TAGS = ["санкции", "энергетика", "Евразия", "безопасность", "дипломатия", "история", "Кавказ", "Арктика"]

# Titles: English templates with slots, Russian and French phrase pairs.
ENGLISH_TITLES = [
    "{country} and the {adj} {noun} of {topic}",
    "Why {country} is rethinking its {topic} policy",
    "{country} after the {event}",
    "The {adj} {noun}: {country} between {power} and {power2}",
    "What the {event} means for {subregion}",
    "{Topic} in {subregion}: a {adj} {noun}",
    "Can {country} manage its {noun} with {country2}?",
    "Notes on {topic} from {country}",
    "{country}, {country2} and the {adj} {noun}",
    "The {noun} of {topic} in {region}",
    "{subregion} in a {adj} world",
    "How {country} sees the {event}",
]
TITLE_ADJECTIVES = """
new uncertain fragile quiet long hidden great slow unfinished shifting costly
contested emerging durable pragmatic cautious bold
""".split()
TITLE_NOUNS = """
balance game bargain partnership rivalry pivot test turn question dilemma gamble
rapprochement silence stakes limits promise
""".split()
EVENTS = (
    """
summit|elections|ceasefire|sanctions package|border talks|grain deal|pipeline deal|
referendum|naval exercises|debt crisis|oil price fall|coup|peace conference|trade agreement
""".replace("\n", "")
    .strip("|")
    .split("|")
)
POWERS = ["Washington", "Beijing", "Moscow", "Brussels", "New Delhi", "Ankara", "Tehran", "Tokyo"]

RUSSIAN_SUBJECTS = [
    "Россия и Китай",
    "Центральная Азия",
    "Ближний Восток",
    "Евразийский союз",
    "Корейский полуостров",
    "Южный Кавказ",
    "БРИКС",
    "ШОС",
    "Индия",
    "Иран",
    "Турция",
    "Африка",
]
RUSSIAN_PREDICATES = [
    "новый этап сотрудничества",
    "пределы влияния",
    "энергетическая безопасность",
    "итоги года",
    "вызовы и возможности",
    "торговые войны",
    "выборы и их последствия",
    "дипломатия в эпоху перемен",
    "экономика санкций",
    "транспортные коридоры",
]
FRENCH_SUBJECTS = ["L'Asie centrale", "Le Golfe", "La Chine", "L'Inde", "Le Sahel", "Le Caucase", "La Turquie"]
FRENCH_PREDICATES = [
    "un nouvel équilibre",
    "les limites de l'influence",
    "la sécurité énergétique",
    "le retour de la diplomatie",
    "une rivalité durable",
    "les routes de la soie",
]
