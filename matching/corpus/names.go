package corpus

import "strings"

// Name pools, most common first (sampling is Zipf-like, so common names
// collide and namesakes appear).

var englishMale = []string{
	"James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles",
	"Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Paul", "Andrew", "Joshua",
	"Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Edward", "Jason", "Jeffrey", "Ryan",
	"Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen", "Larry", "Justin", "Scott", "Brandon",
	"Benjamin", "Samuel", "Gregory", "Alexander", "Patrick", "Frank", "Raymond", "Jack", "Dennis", "Jerry",
	"Tyler", "Aaron", "Henry", "Adam", "Peter", "Nathan", "Zachary", "Kyle", "Noah", "Alan",
	"Ethan", "Jeremy", "Lucas", "Sean", "Christian", "Austin", "Oliver", "Harry", "Liam", "Owen",
}

var englishFemale = []string{
	"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
	"Lisa", "Nancy", "Betty", "Margaret", "Sandra", "Ashley", "Kimberly", "Emily", "Donna", "Michelle",
	"Carol", "Amanda", "Melissa", "Deborah", "Stephanie", "Rebecca", "Sharon", "Laura", "Cynthia", "Kathleen",
	"Amy", "Angela", "Anna", "Brenda", "Pamela", "Emma", "Nicole", "Helen", "Samantha", "Katherine",
	"Christine", "Rachel", "Carolyn", "Janet", "Catherine", "Maria", "Heather", "Diane", "Ruth", "Julie",
	"Olivia", "Joyce", "Victoria", "Kelly", "Lauren", "Christina", "Joan", "Evelyn", "Megan", "Andrea",
	"Hannah", "Jacqueline", "Martha", "Teresa", "Ann", "Sara", "Madison", "Kathryn", "Abigail", "Alice",
	"Sophia", "Grace", "Danielle", "Isabella", "Diana", "Natalie", "Charlotte", "Marie", "Alexis", "Chloe",
}

var englishSurnames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Thomas",
	"Taylor", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis",
	"Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams",
	"Nelson", "Baker", "Hall", "Campbell", "Mitchell", "Carter", "Roberts", "Phillips", "Evans", "Turner",
	"Parker", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper",
	"Peterson", "Bailey", "Reed", "Kelly", "Howard", "Cox", "Ward", "Richardson", "Watson", "Brooks",
	"Wood", "James", "Bennett", "Gray", "Hughes", "Price", "Sanders", "Myers", "Long", "Ross",
	"Foster", "Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson",
	"Barnes", "Fisher", "Simmons", "Jordan", "Patterson", "Alexander", "Hamilton", "Graham", "Reynolds", "Griffin",
	"Wallace", "West", "Cole", "Hayes", "Bryant", "Gibson", "Ellis", "Stevens", "Murray", "Ford",
	"Marshall", "Owens", "Harrison", "McDonald", "Woods", "Kennedy", "Wells", "Henry", "Freeman", "Webb",
	"Tucker", "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter", "Gordon", "Shaw", "Snyder",
	"Mason", "Dixon", "Hunt", "Hicks", "Holmes", "Palmer", "Wagner", "Black", "Robertson", "Boyd",
	"Rose", "Stone", "Fox", "Warren", "Mills", "Meyer", "Rice", "Schmidt", "Daniels", "Ferguson",
	"Nichols", "Stephens", "Weaver", "Ryan", "Gardner", "Payne", "Grant", "Dunn", "Spencer", "Hawkins",
	"Arnold", "Pierce", "Hansen", "Peters", "Hart", "Bradley", "Knight", "Elliott", "Cunningham", "Duncan",
	"Armstrong", "Hudson", "Carroll", "Lane", "Riley", "Andrews", "Ray", "Berry", "Perkins", "Hoffman",
	"Johnston", "Matthews", "Richards", "Willis", "Carpenter", "Lawrence", "Chapman", "Fleming", "Walsh", "Oconnor",
	"Kaufman", "Hartley", "Whitaker", "Pennington", "Blackwood", "Ashford", "Thornton", "Langley", "Mercer", "Holloway",
	"Sutton", "Fairbanks", "Winslow", "Prescott", "Aldridge", "Kingsley", "Radcliffe", "Sterling", "Waverly", "Beckett",
}

// Russian names in Cyrillic; surnames in the masculine form.
var russianMale = []string{
	"Александр", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Иван", "Николай", "Евгений", "Владимир",
	"Павел", "Максим", "Юрий", "Константин", "Артём", "Илья", "Роман", "Олег", "Игорь", "Виктор",
	"Денис", "Антон", "Кирилл", "Никита", "Григорий", "Вадим", "Станислав", "Фёдор", "Глеб", "Тимофей",
}

var russianFemale = []string{
	"Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Мария", "Екатерина", "Ирина", "Светлана", "Анастасия",
	"Юлия", "Дарья", "Ксения", "Виктория", "Полина", "Алина", "Евгения", "Марина", "Людмила", "Вера",
}

var russianSurnames = []string{
	"Смирнов", "Иванов", "Кузнецов", "Соколов", "Попов", "Лебедев", "Козлов", "Новиков", "Морозов", "Петров",
	"Волков", "Соловьёв", "Васильев", "Зайцев", "Павлов", "Семёнов", "Голубев", "Виноградов", "Богданов", "Воробьёв",
	"Фёдоров", "Михайлов", "Беляев", "Тарасов", "Белов", "Комаров", "Орлов", "Киселёв", "Макаров", "Андреев",
	"Ковалёв", "Ильин", "Гусев", "Титов", "Кузьмин", "Кудрявцев", "Баранов", "Куликов", "Алексеев", "Степанов",
	"Яковлев", "Сорокин", "Сергеев", "Романов", "Захаров", "Борисов", "Королёв", "Герасимов", "Пономарёв", "Григорьев",
	"Лазарев", "Медведев", "Ершов", "Никитин", "Соболев", "Рябов", "Поляков", "Цветков", "Данилов", "Жуков",
	"Фролов", "Журавлёв", "Николаев", "Крылов", "Максимов", "Сидоров", "Осипов", "Белоусов", "Федотов", "Дорофеев",
	"Егоров", "Матвеев", "Бобров", "Дмитриев", "Калинин", "Анисимов", "Петухов", "Антонов", "Тимофеев", "Никифоров",
	"Веселов", "Филиппов", "Марков", "Большаков", "Суханов", "Миронов", "Ширяев", "Александров", "Коновалов", "Шестаков",
	"Казаков", "Ефимов", "Денисов", "Громов", "Фомин", "Давыдов", "Мельников", "Щербаков", "Блинов", "Колесников",
	"Карпов", "Афанасьев", "Власов", "Маслов", "Исаков", "Тихонов", "Аксёнов", "Гаврилов", "Родионов", "Котов",
	"Горбунов", "Кудряшов", "Быков", "Зуев", "Третьяков", "Савельев", "Панов", "Рыбаков", "Суворов", "Абрамов",
	"Воронов", "Мухин", "Архипов", "Трофимов", "Мартынов", "Емельянов", "Горшков", "Чернов", "Овчинников", "Селезнёв",
	"Хохлов", "Жданов", "Наумов", "Шилов", "Воронцов", "Ермаков", "Дроздов", "Игнатьев", "Савин", "Логинов",
	"Сафонов", "Капустин", "Кириллов", "Моисеев", "Елисеев", "Кошелев", "Костин", "Горбачёв", "Орехов", "Ефремов",
}

// European names with diacritics: first, last.
var europeanFirst = []string{
	"José", "Jürgen", "François", "Łukasz", "Søren", "Zoë", "Renée", "Agnieszka", "Björn", "Małgorzata",
	"Jérôme", "Inés", "Dóra", "Tomáš", "Ömer", "Gaëlle", "Mikuláš", "Andrés", "Ângela", "Håkon",
	"Matthias", "Sofia", "Lucas", "Elena", "Marco", "Giulia", "Pierre", "Anaïs", "Piotr", "Katarzyna",
}

var europeanLast = []string{
	"García", "Müller", "Lefèvre", "Wiśniewski", "Jørgensen", "Dvořák", "Schröder", "Nuñez", "Gómez", "Kowalczyk",
	"Fernández", "Böhm", "Łopatka", "Novák", "Håkansson", "Öztürk", "Duchêne", "Martínez", "Krüger", "Szabó",
	"Rossi", "Bianchi", "Dubois", "Moreau", "Nowak", "Schmidt", "Weber", "Fischer", "Hoffmann", "Lindqvist",
	"Ruiz", "Peña", "Żukowski", "Čapek", "Năstase", "Gonçalves", "Andrés", "Ibáñez", "Pérez", "Šimek",
}

// Handles people pick for themselves.
var handleWords = []string{
	"dark", "star", "coder", "pixel", "ninja", "wolf", "byte", "neon", "echo", "storm",
	"ghost", "rusty", "blue", "red", "zen", "void", "lambda", "hack", "frost", "nova",
}

// Synthetic surname tails: real orgs have thousands of distinct surnames,
// far more than the hand-written heads above; tails are built from these
// parts so most people's surnames are rare while the heads stay common.
var englishSurnameParts = [2][]string{
	{"Ash", "Black", "Brad", "Bright", "Brook", "Cal", "Carl", "Chad", "Clay", "Cres", "Dal", "Dun", "East", "Ed", "Elm",
		"Fair", "Farn", "Fitz", "Glen", "Gold", "Green", "Hal", "Ham", "Hart", "Hay", "Hol", "Hun", "Ing", "Kend", "Kings",
		"Lang", "Lind", "Lock", "Mad", "Mar", "Mid", "Mil", "Mor", "New", "North", "Oak", "Pem", "Pres", "Rad", "Ram",
		"Red", "Ros", "Rut", "Sal", "Sand", "Sher", "Small", "South", "Stan", "Stock", "Sud", "Sum", "Thorn", "Til", "Wake",
		"Wal", "War", "Wes", "Whit", "Wil", "Win", "Wood", "Wor", "Yar", "Bar", "Bel", "Bex", "Brom", "Cart", "Chil",
		"Cor", "Dray", "Fal", "Gar", "Gil", "Grims", "Hals", "Hen", "Hig", "Hux", "Kel", "Kirk", "Lat", "Lev", "Lyn",
		"Maple", "Mon", "Nor", "Ox", "Pad", "Pen", "Pil", "Quen", "Rain", "Riv", "Shel", "Staf", "Stow", "Swin", "Tam",
		"Tres", "Ux", "Vin", "Wex", "York"},
	{"ford", "wood", "ley", "ton", "field", "by", "worth", "well", "more", "combe", "ham", "ridge", "dale", "brook",
		"stead", "shaw", "wick", "land", "hurst", "bury", "den", "cott", "mere", "thorpe", "gate", "wold", "holm", "lock",
		"bridge", "wall"},
}

var russianSurnameParts = [2][]string{
	{"Берёз", "Волог", "Гладк", "Горел", "Дубр", "Жар", "Журб", "Зелен", "Калиш", "Клим", "Кольц", "Крас", "Кругл",
		"Лесн", "Лип", "Лукь", "Малах", "Мороз", "Некрас", "Остр", "Песк", "Плот", "Рыж", "Сав", "Сед", "Сизов", "Сокол",
		"Стар", "Тих", "Угл", "Филат", "Хмел", "Черн", "Шир", "Щегл", "Ярц", "Белк", "Вас", "Гром", "Дем", "Ерм", "Зыр",
		"Ивашк", "Карт", "Лап", "Мих", "Новос", "Паш", "Руд", "Сам", "Бурл", "Веден", "Голов", "Добр", "Елаг", "Жилк",
		"Зубк", "Игнаш", "Кисл", "Ломак", "Мартын", "Нагорн", "Огарк", "Пролет", "Рябин", "Слепц", "Тарак", "Ушак",
		"Фирс", "Хабар", "Цыбул", "Чеботар", "Шишк", "Юрк", "Якуш", "Абрам", "Бочк", "Воронц", "Гусл", "Дымк",
		"Ершк", "Жуков", "Заботк", "Исаенк", "Кудин", "Лыс", "Мохн", "Нечай", "Орех", "Пыж"},
	{"ов", "ев", "ин", "ский", "енко", "ых"},
}

func russianFeminine(s string) string {
	switch {
	case strings.HasSuffix(s, "ский"):
		return strings.TrimSuffix(s, "ий") + "ая"
	case strings.HasSuffix(s, "ов"), strings.HasSuffix(s, "ев"), strings.HasSuffix(s, "ёв"), strings.HasSuffix(s, "ин"):
		return s + "а"
	}
	return s // -енко, -ых do not change
}

var europeanSurnameParts = [2][]string{
	{"Kowal", "Nowic", "Wiśn", "Lewand", "Dąbr", "Zieliń", "Szymań", "Woźn", "Kozł", "Jankow", "Mazur", "Krawcz",
		"Müll", "Schön", "Größ", "Bräu", "Kühn", "Jäg", "Höf", "Förs", "Sánch", "Domíng", "Gutiér", "Álvar", "Ndiá",
		"Lefév", "Bérang", "Château", "Fauc", "Guér"},
	{"ski", "czyk", "ak", "ewicz", "er", "mann", "inger", "hof", "ez", "ard", "on", "ier"},
}

// Syllables for synthetic given names and Russian surname roots: real
// orgs have long tails of names; these keep namesakes at realistic rates
// while the heads above stay common.
var (
	chineseSyllables  = []string{"an", "bo", "chen", "dong", "fang", "gang", "hao", "hong", "hua", "jia", "jian", "jie", "jun", "kai", "lan", "lei", "li", "lin", "ling", "mei", "min", "ming", "na", "ning", "peng", "ping", "qiang", "qing", "rui", "shan", "tao", "ting", "wei", "wen", "xia", "xin", "xue", "yan", "yu", "zhen"}
	chineseFamily     = []string{"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao", "Zheng", "Liang", "Xie", "Song", "Tang", "Han", "Feng", "Deng", "Cao", "Peng"}
	indianGiven       = []string{"Priya", "Rahul", "Amit", "Anjali", "Vikram", "Neha", "Arjun", "Pooja", "Sanjay", "Deepak", "Kavya", "Rohan", "Sneha", "Aditya", "Divya", "Karthik", "Meera", "Nikhil", "Shreya", "Varun", "Ananya", "Harsh", "Isha", "Manish", "Nisha", "Pranav", "Ritu", "Siddharth", "Tanvi", "Vivek", "Aarav", "Bhavna", "Chetan", "Gaurav", "Jyoti", "Kunal", "Lakshmi", "Mohan", "Naveen", "Rekha"}
	indianFamily      = []string{"Sharma", "Patel", "Gupta", "Singh", "Kumar", "Reddy", "Iyer", "Nair", "Rao", "Das", "Mehta", "Joshi", "Shah", "Verma", "Agarwal", "Chopra", "Kapoor", "Malhotra", "Bhat", "Menon", "Pillai", "Desai", "Kulkarni", "Banerjee", "Chatterjee", "Mukherjee", "Saxena", "Srinivasan", "Venkatesh", "Krishnan"}
	eastAsianGiven    = []string{"Hiroshi", "Yuki", "Kenji", "Haruto", "Sakura", "Takeshi", "Aiko", "Daichi", "Emi", "Kaito", "Mei", "Ren", "Sora", "Yuto", "Hana", "Min-jun", "Ji-woo", "Seo-yeon", "Ha-eun", "Do-yun", "Ye-jin", "Hyun-woo", "Su-bin", "Thanh", "Linh", "Minh", "Huong", "Tuan", "Lan", "Quang"}
	eastAsianFamily   = []string{"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato", "Yoshida", "Yamada", "Sasaki", "Matsumoto", "Inoue", "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Nguyen", "Tran", "Pham", "Hoang", "Vu", "Dang", "Bui"}
	russianRootStarts = []string{"Бар", "Бел", "Бор", "Вер", "Вол", "Гал", "Гор", "Дор", "Жел", "Зар", "Кал", "Кар", "Кол", "Кор", "Лар", "Лес", "Мал", "Мар", "Мел", "Нес", "Пал", "Пер", "Рад", "Род", "Сал", "Сел", "Сол", "Тар", "Тол", "Фед", "Хол", "Чер", "Шал", "Яр", "Бур", "Вас", "Дуб", "Лук", "Мир", "Сав"}
	russianRootEnds   = []string{"ан", "ен", "ин", "он", "ут", "ик", "ач", "яг", "ыш", "ец", "уш", "ок", "ищ", "ав", "ед", "ор", "уг", "ес", "ым", "от"}
)
