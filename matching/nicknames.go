package matching

// nicknames lists groups of first names that stand for one another
// (formal name first; Russian diminutives and transliterations included).
// A token may belong to several groups ("alex", "sasha", "chris").
var nicknames = [][]string{
	{"alexander", "alex", "aleksandr", "alexandr", "aleksander", "sasha", "sascha", "sanya", "shura", "xander", "alek", "александр", "саша"},
	{"aleksei", "alexey", "alexei", "aleksey", "alex", "lyosha", "alyosha", "lesha", "алексей", "лёша"},
	{"alexandra", "alex", "sasha", "sandra", "lexi", "александра"},
	{"robert", "bob", "bobby", "rob", "robbie", "bert"},
	{"william", "bill", "billy", "will", "willy", "liam"},
	{"katherine", "kate", "katie", "kathy", "catherine", "kathryn", "cathy", "kat", "ekaterina", "yekaterina", "katya", "katia", "екатерина", "катя"},
	{"michael", "mike", "mikey", "mick", "mikhail", "misha", "михаил", "миша"},
	{"dmitry", "dima", "dmitri", "dmitrii", "dmitriy", "дмитрий", "дима"},
	{"james", "jim", "jimmy", "jamie"},
	{"john", "johnny", "jack", "jon"},
	{"jonathan", "jon", "jonny"},
	{"richard", "rick", "rich", "dick", "ricky"},
	{"elizabeth", "liz", "beth", "betty", "lisa", "eliza", "elisabeth", "liza", "elizaveta", "елизавета", "лиза"},
	{"jennifer", "jen", "jenny"},
	{"joseph", "joe", "joey"},
	{"thomas", "tom", "tommy"},
	{"christopher", "chris", "kit"},
	{"christina", "chris", "kristina", "tina", "кристина"},
	{"daniel", "dan", "danny", "daniil", "даниил"},
	{"david", "dave", "davey"},
	{"edward", "ed", "eddie", "ted"},
	{"matthew", "matt", "matty", "matvey", "матвей"},
	{"nicholas", "nick", "nicky", "nikolai", "nikolay", "kolya", "николай", "коля"},
	{"anthony", "tony", "antony", "ant"},
	{"andrew", "andy", "drew"},
	{"andrei", "andrey", "andrej", "andryusha", "андрей"},
	{"margaret", "maggie", "meg", "peggy"},
	{"patricia", "pat", "patty", "trish"},
	{"patrick", "pat", "paddy"},
	{"samuel", "sam", "sammy"},
	{"samantha", "sam", "sammie", "sammy"},
	{"steven", "steve", "stephen"},
	{"susan", "sue", "susie", "suzy", "suzie"},
	{"timothy", "tim", "timmy"},
	{"benjamin", "ben", "benny"},
	{"charles", "charlie", "chuck"},
	{"peter", "pete", "pyotr", "petr", "petya", "пётр", "петя"},
	{"vladimir", "vova", "volodya", "vlad", "владимир", "вова"},
	{"vladislav", "vlad", "slava", "владислав"},
	{"ivan", "iwan", "vanya", "иван", "ваня"},
	{"sergei", "sergey", "sergej", "serezha", "seryozha", "сергей", "серёжа"},
	{"evgeny", "evgenii", "yevgeny", "evgeniy", "zhenya", "eugene", "евгений", "женя"},
	{"natalia", "natasha", "natalya", "nataliya", "natalie", "наталья", "наташа"},
	{"tatiana", "tanya", "tatyana", "татьяна", "таня"},
	{"maria", "masha", "mariya", "мария", "маша"},
	{"elena", "lena", "yelena", "helena", "елена", "лена"},
	{"olga", "olya", "ольга", "оля"},
	{"anastasia", "nastya", "anastasiya", "stacy", "анастасия", "настя"},
	{"konstantin", "kostya", "constantine", "константин", "костя"},
	{"pavel", "pasha", "paul", "павел", "паша"},
	{"yuri", "yura", "yury", "iurii", "yuriy", "юрий", "юра"},
	{"maxim", "max", "maksim", "максим"},
	{"anna", "anya", "ann", "anne", "annie", "анна", "аня"},
	{"svetlana", "sveta", "светлана", "света"},
	{"irina", "ira", "ирина", "ира"},
	{"gregory", "greg", "grigory", "grisha", "григорий"},
	{"joshua", "josh"},
	{"kenneth", "ken", "kenny"},
	{"lawrence", "larry", "laurence"},
	{"ronald", "ron", "ronnie"},
	{"donald", "don", "donnie"},
	{"victoria", "vicky", "tori", "vika", "виктория", "вика"},
	{"viktor", "victor", "vitya", "виктор"},
	{"mikhail", "misha"},
	{"nathan", "nate", "nathaniel"},
	{"zachary", "zach", "zack"},
	{"jacob", "jake"},
	{"kathleen", "kathy", "kath"},
	{"eugene", "gene"},
	{"artem", "artyom", "artiom", "артём"},
	{"nikita", "никита"},
	{"jessica", "jess", "jessie", "jessy"},
	{"rebecca", "becky", "becca", "becki"},
	{"stephanie", "steph", "stephie"},
	{"deborah", "debra", "deb", "debbie"},
	{"kimberly", "kim", "kimmy"},
	{"cynthia", "cindy"},
	{"pamela", "pam"},
	{"abigail", "abby", "abbie"},
	{"frederick", "fred", "freddie", "freddy"},
	{"gerald", "gerry", "jerry"},
	{"harold", "harry", "hal"},
	{"henry", "hank", "harry"},
	{"leonard", "leo", "len", "lenny"},
	{"raymond", "ray"},
	{"walter", "walt", "wally"},
	{"albert", "bert", "bertie"},
	{"theodore", "ted", "teddy", "theo"},
	{"douglas", "doug"},
	{"philip", "phillip", "phil"},
	{"jeffrey", "geoffrey", "jeff"},
	{"yulia", "julia", "yuliya", "iuliia", "yulya", "юлия", "юля"},
	{"daria", "darya", "dasha", "дарья", "даша"},
	{"kseniya", "ksenia", "xenia", "ksyusha", "ксения", "ксюша"},
	{"roman", "roma", "роман", "рома"},
	{"ilya", "ilia", "ilyusha", "илья"},
	{"boris", "borya", "борис", "боря"},
	{"vasily", "vasiliy", "vasya", "василий", "вася"},
	{"fyodor", "fedor", "fedya", "фёдор", "федя"},
	{"anatoly", "anatoliy", "tolya", "анатолий", "толя"},
	{"stanislav", "stas", "slava", "станислав", "стас"},
	{"vyacheslav", "slava", "вячеслав", "слава"},
	{"leonid", "lyonya", "леонид", "лёня"},
	{"georgy", "georgiy", "zhora", "gosha", "георгий", "гоша"},
	{"lyudmila", "ludmila", "lyuda", "людмила", "люда"},
	{"galina", "galya", "галина", "галя"},
	{"nadezhda", "nadya", "надежда", "надя"},
	{"sofia", "sofiya", "sophia", "sonya", "софия", "соня"},
	{"valentina", "valya", "валентина", "валя"},
	{"lyubov", "lyuba", "любовь", "люба"},
	{"kirill", "kirya", "кирилл"},
	{"egor", "yegor", "егор"},
	{"timofey", "timofei", "tima", "тимофей"},
}

// nicknameGroups maps a canonical token to the groups it belongs to;
// groupNames gives each group's canonical formal name; groupInitials has,
// per group, a bit per first letter (a..z, canonical) of its members.
// They are derived once from the nicknames table (a pure computation, no
// init side effects).
var nicknameGroups, groupNames, groupInitials = buildNicknameTables(nicknames)

func buildNicknameTables(table [][]string) (map[string][]uint16, []string, []uint32) {
	groups := map[string][]uint16{}
	names := make([]string, 0, len(table))
	initials := make([]uint32, 0, len(table))
	for gi, g := range table {
		formal := canonToken(foldText(g[0]))
		names = append(names, formal)
		initials = append(initials, 0)
		for _, n := range g {
			c := canonToken(foldText(n))
			for _, f := range []byte{c[0], foldText(n)[0]} {
				if f >= 'a' && f <= 'z' {
					initials[gi] |= 1 << (f - 'a')
				}
			}
			dup := false
			for _, x := range groups[c] {
				if x == uint16(gi) {
					dup = true
				}
			}
			if !dup {
				groups[c] = append(groups[c], uint16(gi))
			}
		}
	}
	return groups, names, initials
}
